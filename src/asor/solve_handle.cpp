#include "asor/solve_handle.hpp"

#include <spdlog/spdlog.h>
#include <stdexcept>

#include "asor/logging.hpp"
#include "job.hpp"

namespace asor {

namespace detail {

void job_state::run_notification(const std::function<void()>& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    logger()->error("asor::solve_handle::on_ready: a notification threw: {}", e.what());
  } catch (...) {
    logger()->error("asor::solve_handle::on_ready: a notification threw");
  }
}

}  // namespace detail

solve_handle::~solve_handle() {
  if (job_ && !job_->finished()) {
    job_->control.cancel();
    job_->wait();
  }
}

solve_handle& solve_handle::operator=(solve_handle&& other) noexcept {
  if (this != &other) {
    if (job_ && !job_->finished()) {
      job_->control.cancel();
      job_->wait();
    }
    job_ = std::move(other.job_);
  }
  return *this;
}

detail::job_state& solve_handle::job() const {
  if (!job_) throw std::logic_error("asor::solve_handle: no solve (default-constructed or moved)");
  return *job_;
}

bool solve_handle::ready() const { return job().finished(); }

void solve_handle::wait() const { job().wait(); }

bool solve_handle::wait_until(std::chrono::steady_clock::time_point deadline) const {
  return job().wait_until(deadline);
}

solve_report solve_handle::get() const {
  const detail::job_state& j = job();
  j.wait();
  if (const std::exception_ptr e = j.error()) std::rethrow_exception(e);
  return j.report();
}

solve_report solve_handle::report() const {
  const detail::job_state& j = job();
  j.wait();
  return j.report();
}

std::exception_ptr solve_handle::exception() const {
  const detail::job_state& j = job();
  j.wait();
  return j.error();
}

void solve_handle::cancel() const { job().control.cancel(); }

void solve_handle::on_ready(std::function<void()> notification) const {
  job().on_ready(std::move(notification));
}

std::optional<::asor::progress> solve_handle::progress() const { return job().board.latest(); }

std::optional<::asor::block_progress> solve_handle::block_progress() const {
  return job().blocks.latest();
}

}  // namespace asor
