#pragma once

#include "accesslog/record.h"
#include "core/error.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tollgate::accesslog {

// The size limit of a worker's access log buffer and how often the writer thread empties it.
struct WriterLimits {
    std::size_t max_pending_bytes = 8 * 1024 * 1024;
    std::chrono::milliseconds write_interval{100};
};

// Writes access log lines from the workers to a file or standard output on a thread of its
// own. A worker formats its line and appends it to its own buffer under that buffer's lock.
// The writer thread takes that lock only to swap the buffer out and writes the file after
// releasing it, so a worker never waits for the disk. A buffer that reaches max_pending_bytes because the
// disk cannot keep up drops further lines and counts them, instead of growing without bound. The limit is per
// worker.
class AccessLog {
public:
    // Opens `destination` for appending ("stdout" for standard output) and starts the writer
    // thread. A file is created with mode 0640 when it does not exist.
    static core::Result<std::unique_ptr<AccessLog>> open(const std::string& destination, Format format,
                                                         std::size_t workers,
                                                         WriterLimits limits = WriterLimits());

    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;
    // Writes what is pending and stops the writer thread.
    ~AccessLog();

    // Queues the line of `record`. Called by worker `worker` only.
    void write(std::size_t worker, const AccessRecord& record);

    // Writes every pending line now and returns once it is written.
    void flush();

    std::uint64_t dropped_lines() const { return dropped_.load(std::memory_order_relaxed); }

private:
    struct alignas(64) WorkerBuffer {
        std::mutex mutex;
        std::string pending;
    };

    AccessLog(int fd, bool owns_fd, Format format, std::size_t workers, WriterLimits limits);
    void run();
    // Swaps every worker's buffer out and writes it. Called by the writer thread and flush().
    void write_pending();

    int fd_;
    bool owns_fd_;
    Format format_;
    std::size_t worker_count_;
    WriterLimits limits_;
    std::unique_ptr<WorkerBuffer[]> buffers_;
    std::atomic<std::uint64_t> dropped_{0};
    std::uint64_t dropped_reported_ = 0;  // guarded by write_mutex_
    std::mutex write_mutex_;              // one writer of the file at a time: the thread or flush()
    std::mutex wake_mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by wake_mutex_
    std::thread thread_;
};

}  // namespace tollgate::accesslog
