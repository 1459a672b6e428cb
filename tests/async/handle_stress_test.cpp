// submit / cancel / progress / destroy from random threads at random moments, hundreds of cycles:
// no hang (watchdog), no leak (ASan's leak check in CI), no race (TSan), no dishonest report.

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "async_test_support.hpp"

namespace asor::test {
namespace {

using namespace std::chrono_literals;

TEST(HandleStress, SubmitCancelDestroyFromRandomThreads) {
  const watchdog dog(600s, "handle stress");
  const std::uint64_t seed = test_seed(20261126);
  std::mt19937_64 rng(seed);
  const int cycles = std::max(40, static_cast<int>(300 * stress_scale())) * repeat_count();
  const system sys(poisson2d(40));
  const method methods[] = {method::async,  method::sor,        method::ssor,
                            method::jacobi, method::multicolor, method::block_jacobi};
  std::unique_ptr<engine> e;
  int converged = 0;
  int cancelled = 0;
  for (int k = 0; k < cycles; ++k) {
    SCOPED_TRACE("cycle " + std::to_string(k));
    const method m = methods[rng() % 6];
    if (!e || rng() % 3 == 0 || e->options().method != m) {
      solver_options o;
      o.method = m;
      o.threads = 2;
      o.omega = 1.0;
      o.progress_interval_seconds = (rng() % 2 == 0) ? 0.0 : 0.001;
      o.stop.max_sweeps = 1000000;
      e = std::make_unique<engine>(sys.view(), o);  // the old one has no running solve
    }
    if (rng() % 2 == 0) {
      e->on_progress([](const progress&) { return callback_action::proceed; });
    } else {
      e->on_progress({});
    }
    vector x = vector::Zero(sys.A.rows());
    auto handle = std::make_shared<solve_handle>(
        e->submit({sys.b.data(), static_cast<std::size_t>(sys.b.size())},
                  {x.data(), static_cast<std::size_t>(x.size())}));
    const auto cancel_after = std::chrono::microseconds(rng() % 3000);
    const auto drop_after = std::chrono::microseconds(rng() % 3000);
    const int how = static_cast<int>(rng() % 4);
    engine* raw = e.get();
    {
      // A canceller (through the handle or the engine, or not at all), a progress poller, and a
      // thread that holds a copy of the handle and drops it at a random moment.
      std::jthread canceller([handle, raw, cancel_after, how] {
        std::this_thread::sleep_for(cancel_after);
        if (how == 0) handle->cancel();
        if (how == 1) raw->cancel();
      });
      std::jthread poller([handle] {
        for (int i = 0; i < 20 && !handle->ready(); ++i) {
          (void)handle->progress();
          std::this_thread::sleep_for(100us);
        }
      });
      std::jthread dropper([h = handle, drop_after]() mutable {
        std::this_thread::sleep_for(drop_after);
        h.reset();
      });
      if (how == 3) {
        handle.reset();  // this thread lets go at once: the last owner cancels and waits
      } else {
        const solve_report r = handle->get();
        ASSERT_TRUE(r.reason == stop_reason::converged || r.reason == stop_reason::cancelled)
            << to_string(r.reason);
        if (r.converged()) {
          ++converged;
          EXPECT_LE(sys.true_residual(x), r.tolerance) << "false convergence";
        } else {
          ++cancelled;
        }
        EXPECT_NEAR(r.relative_residual, sys.true_residual(x), 1e-9);
        handle.reset();
      }
    }  // every thread joined: no handle is left, so the solve has ended
    EXPECT_FALSE(e->running());
    EXPECT_TRUE(x.allFinite());
  }
  std::printf("[ stress   ] %d cycles: %d converged, %d cancelled, the rest dropped\n", cycles,
              converged, cancelled);
  EXPECT_GT(converged, 0);
}

}  // namespace
}  // namespace asor::test
