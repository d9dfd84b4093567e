#include "accesslog/writer.h"

#include "core/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace tollgate::accesslog {
namespace {

// Writes all of `text` to `fd`, retrying after interruptions and short writes. Returns the
// errno of a failure, or 0.
int write_all(int fd, const std::string& text) {
    std::size_t written = 0;
    while (written < text.size()) {
        ssize_t result = ::write(fd, text.data() + written, text.size() - written);
        if (result < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        written += static_cast<std::size_t>(result);
    }
    return 0;
}

}  // namespace

core::Result<std::unique_ptr<AccessLog>> AccessLog::open(const std::string& destination, Format format,
                                                         std::size_t workers, WriterLimits limits) {
    if (destination == "stdout") {
        return std::unique_ptr<AccessLog>(new AccessLog(STDOUT_FILENO, false, format, workers, limits));
    }
    int fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        return core::Error::io("cannot open the access log \"" + destination + "\": " + std::strerror(errno) +
                               "; check that its directory exists and is writable");
    }
    return std::unique_ptr<AccessLog>(new AccessLog(fd, true, format, workers, limits));
}

AccessLog::AccessLog(int fd, bool owns_fd, Format format, std::size_t workers, WriterLimits limits)
    : fd_(fd),
      owns_fd_(owns_fd),
      format_(format),
      worker_count_(workers),
      limits_(limits),
      buffers_(std::make_unique<WorkerBuffer[]>(workers)),
      thread_([this] { run(); }) {}

AccessLog::~AccessLog() {
    {
        std::lock_guard lock(wake_mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    write_pending();
    if (owns_fd_) {
        ::close(fd_);
    }
}

void AccessLog::write(std::size_t worker, const AccessRecord& record) {
    std::string line = format_line(record, format_);
    WorkerBuffer& buffer = buffers_[worker];
    std::lock_guard lock(buffer.mutex);
    if (buffer.pending.size() + line.size() > limits_.max_pending_bytes) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    buffer.pending += line;
}

void AccessLog::flush() {
    write_pending();
}

void AccessLog::run() {
    std::unique_lock lock(wake_mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, limits_.write_interval, [this] { return stopping_; });
        lock.unlock();
        write_pending();
        lock.lock();
    }
}

void AccessLog::write_pending() {
    std::lock_guard writing(write_mutex_);
    std::string batch;
    for (std::size_t i = 0; i < worker_count_; ++i) {
        std::string swapped_out;
        {
            std::lock_guard lock(buffers_[i].mutex);
            swapped_out.swap(buffers_[i].pending);
        }
        batch += swapped_out;
    }
    const std::uint64_t dropped = dropped_.load(std::memory_order_relaxed);
    if (dropped > dropped_reported_) {
        core::logger("main")->warn("the access log dropped {} lines because writing could not keep up",
                                   dropped - dropped_reported_);
        dropped_reported_ = dropped;
    }
    if (batch.empty()) {
        return;
    }
    if (int error = write_all(fd_, batch); error != 0) {
        core::logger("main")->error("writing the access log failed: {}; {} bytes of lines were lost",
                                    std::strerror(error), batch.size());
    }
}

}  // namespace tollgate::accesslog
