#pragma once
/// \file watchdog.hpp
/// \brief A scope with a time limit, for tests whose failure mode is a hang: a hung solve must
/// fail the test, not stall CI.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace asor::test_support {

/// \brief Calls \p expire (after saying which scope hung, on stderr) when a scope outlives its
/// limit. \p expire must end the process: std::abort for one process, MPI_Abort for every rank;
/// ctest then reports the test as failed.
class watchdog {
 public:
  watchdog(std::chrono::seconds limit, std::string what, std::function<void()> expire)
      : thread_([this, limit, what = std::move(what), expire = std::move(expire)] {
          std::unique_lock lock(m_);
          if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::fprintf(stderr, "watchdog: %s still running after %lld s: hung\n", what.c_str(),
                         static_cast<long long>(limit.count()));
            std::fflush(stderr);
            expire();
          }
        }) {}
  ~watchdog() {
    {
      const std::lock_guard lock(m_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace asor::test_support
