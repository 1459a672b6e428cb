// The collective step and the blocking halo exchange (comm.hpp).

#include "comm.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "asor/io/errors.hpp"

namespace asor::detail {
namespace {

/// The reduction of the steps: see step_record. Commutative and associative (the failure kept is
/// the one of the lowest rank, whatever the order).
extern "C" void combine_steps(void* in, void* inout, int* len, MPI_Datatype* /*type*/) {
  const auto* a = static_cast<const step_record*>(in);
  auto* b = static_cast<step_record*>(inout);
  for (int k = 0; k < *len; ++k, ++a, ++b) {
    for (int s = 0; s < step_record::sums; ++s) {
      b->sum[static_cast<std::size_t>(s)] += a->sum[static_cast<std::size_t>(s)];
    }
    b->max_code = std::max(b->max_code, a->max_code);
    b->root_code += a->root_code;
    b->finals += a->finals;
    b->failed_count += a->failed_count;
    if (a->failed_rank >= 0 && (b->failed_rank < 0 || a->failed_rank < b->failed_rank)) {
      b->failed_rank = a->failed_rank;
      b->failed_kind = a->failed_kind;
      b->text = a->text;
    }
  }
}

}  // namespace

failure_kind kind_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const remote_error& r) {
    return r.kind();
  } catch (const input_error&) {
    return failure_kind::input;
  } catch (const std::invalid_argument&) {
    return failure_kind::invalid_argument;
  } catch (...) {
    return failure_kind::other;
  }
}

std::string message_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const remote_error& r) {
    return r.message();
  } catch (const std::bad_alloc&) {
    return "out of memory (std::bad_alloc)";
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

int origin_of(const std::exception_ptr& e, int self) {
  try {
    std::rethrow_exception(e);
  } catch (const remote_error& r) {
    return r.rank();
  } catch (...) {
    return self;
  }
}

communicator::communicator(MPI_Comm parent) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized == 0) throw std::logic_error("asor: MPI is not initialized");
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  if (level < MPI_THREAD_SERIALIZED) {
    throw std::logic_error(
        "asor: distributed solves need MPI initialized with at least MPI_THREAD_SERIALIZED "
        "(MPI_Init_thread)");
  }
  MPI_Comm_dup(parent, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  MPI_Type_contiguous(static_cast<int>(sizeof(step_record)), MPI_BYTE, &type_);
  MPI_Type_commit(&type_);
  MPI_Op_create(&combine_steps, 1, &op_);
}

communicator::~communicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized != 0) return;  // too late to free anything: MPI is gone
  if (op_ != MPI_OP_NULL) MPI_Op_free(&op_);
  if (type_ != MPI_DATATYPE_NULL) MPI_Type_free(&type_);
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

step_record communicator::step(const step_record& contribution) const {
  step_record out;
  MPI_Allreduce(&contribution, &out, 1, type_, op_, comm_);
  return out;
}

step_record communicator::contribution(const std::exception_ptr& failure) const {
  step_record r;
  r.text.fill('\0');
  if (failure) {
    r.failed_rank = origin_of(failure, rank_);
    r.failed_kind = static_cast<std::int32_t>(kind_of(failure));
    r.failed_count = 1;
    const std::string m = message_of(failure);
    std::memcpy(r.text.data(), m.data(), std::min(m.size(), r.text.size() - 1));
  }
  return r;
}

step_record communicator::agree(step_record contribution,
                                const std::exception_ptr& local_failure) const {
  if (local_failure) {
    const step_record failed = this->contribution(local_failure);
    contribution.failed_rank = failed.failed_rank;
    contribution.failed_kind = failed.failed_kind;
    contribution.failed_count = 1;
    contribution.text = failed.text;
  }
  const step_record r = step(contribution);
  if (local_failure) std::rethrow_exception(local_failure);
  if (r.failed_rank >= 0) {
    throw remote_error(r.failed_rank, static_cast<failure_kind>(r.failed_kind), r.text.data());
  }
  if (r.finals > contribution.finals) {
    throw std::logic_error(
        "asor: internal error: another rank ended its distributed solve while this one had not");
  }
  return r;
}

csr_view distributed_data::view() const noexcept {
  csr_view v;
  v.rows = local_rows;
  v.row_ptr = row_ptr;
  v.col_idx = col_idx;
  v.values = values;
  v.inv_diag = inv_diag;
  return v;
}

halo_exchange::halo_exchange(const distributed_data& layout, MPI_Comm comm)
    : layout_(layout), comm_(comm) {
  std::size_t total = 0;
  for (const auto& nb : layout.neighbors) {
    send_offset_.push_back(total);
    total += nb.send_rows.size();
  }
  send_.resize(total);
  requests_.resize(2 * layout.neighbors.size(), MPI_REQUEST_NULL);
}

void halo_exchange::run(double* x) noexcept {
  const auto& nbs = layout_.neighbors;
  double* ghosts = x + layout_.local_rows;
  for (std::size_t k = 0; k < nbs.size(); ++k) {
    MPI_Irecv(ghosts + nbs[k].ghost_first, nbs[k].ghost_count, MPI_DOUBLE, nbs[k].rank,
              tag_exchange, comm_, &requests_[2 * k]);
  }
  for (std::size_t k = 0; k < nbs.size(); ++k) {
    double* out = send_.data() + send_offset_[k];
    const auto& rows = nbs[k].send_rows;
    for (std::size_t i = 0; i < rows.size(); ++i) out[i] = x[rows[i]];
    MPI_Isend(out, static_cast<int>(rows.size()), MPI_DOUBLE, nbs[k].rank, tag_exchange, comm_,
              &requests_[2 * k + 1]);
    ++messages_;
    values_ += static_cast<std::int64_t>(rows.size());
  }
  MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
}

}  // namespace asor::detail
