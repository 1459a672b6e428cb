#pragma once
/// \file asor.hpp
/// \brief asor: asynchronous successive over-relaxation for sparse symmetric positive definite
/// systems A x = b.
///
/// This umbrella header includes the whole public interface:
/// - matrix.hpp, csr_view.hpp: the CSR matrix type and the non-owning view kernels see;
/// - validate.hpp: exact diagnostics of what is wrong with a system;
/// - io/matrix_market.hpp, io/triplet.hpp, io/errors.hpp: readers, writers, input_error;
/// - generators.hpp: Poisson 2D/3D, anisotropic diffusion, random SPD;
/// - partition.hpp, sweep.hpp: row blocks and the one relaxation kernel;
/// - options.hpp, stop.hpp, progress.hpp, report.hpp: configuration, stopping rules, provisional
///   results and the solve report;
/// - engine.hpp: the engine (no Eigen) and the parallel true residual;
/// - spectral.hpp: the spectral estimate behind omega = auto and the omega rules;
/// - solvers.hpp: `AsyncSOR`, `SOR`, `SSOR`, `Jacobi`, `MulticolorSOR`, `BlockJacobiSOR` with
///   Eigen's iterative-solver interface;
/// - reference.hpp: SimplicialLDLT, CHOLMOD (and STRUMPACK when built with it);
/// - logging.hpp: the spdlog logger asor writes to.
///
/// No public header includes Asio or OpenMP; threads live in the compiled library.

#include "asor/config.hpp"
#include "asor/csr_view.hpp"
#include "asor/engine.hpp"
#include "asor/generators.hpp"
#include "asor/io/errors.hpp"
#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "asor/logging.hpp"
#include "asor/matrix.hpp"
#include "asor/options.hpp"
#include "asor/ordering.hpp"
#include "asor/partition.hpp"
#include "asor/progress.hpp"
#include "asor/reference.hpp"
#include "asor/report.hpp"
#include "asor/solvers.hpp"
#include "asor/spectral.hpp"
#include "asor/stop.hpp"
#include "asor/sweep.hpp"
#include "asor/validate.hpp"
