#include "accesslog/writer.h"
#include "accesslog/handshake_log.h"
#include "temp_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <thread>

namespace tollgate::accesslog {
namespace {

using namespace std::chrono_literals;

AccessRecord numbered(std::size_t worker, int number) {
    AccessRecord record;
    record.request_id = std::to_string(worker) + "-" + std::to_string(number);
    record.status = 200;
    return record;
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(file, line);) {
        lines.push_back(line);
    }
    return lines;
}

TEST(AccessLog, WritesEveryLineOfEveryWorker) {
    test::TempDir dir;
    auto path = dir.path() / "access.log";
    {
        auto log = AccessLog::open(path.string(), Format::Combined, 3);
        ASSERT_TRUE(log) << log.error().message;
        std::vector<std::thread> workers;
        for (std::size_t w = 0; w < 3; ++w) {
            workers.emplace_back([&, w] {
                for (int i = 0; i < 2000; ++i) {
                    (*log)->write(w, numbered(w, i));
                }
            });
        }
        for (auto& worker : workers) {
            worker.join();
        }
        EXPECT_EQ((*log)->dropped_lines(), 0u);
    }

    std::vector<std::string> lines = read_lines(path);
    ASSERT_EQ(lines.size(), 6000u);
    std::set<std::string> ids;
    for (const std::string& line : lines) {
        auto start = line.find("request_id=") + 11;
        ids.insert(line.substr(start, line.find(' ', start) - start));
    }
    EXPECT_EQ(ids.size(), 6000u);
    EXPECT_TRUE(ids.contains("2-1999"));
}

TEST(AccessLog, FlushWritesPendingLines) {
    test::TempDir dir;
    auto path = dir.path() / "access.log";
    auto log = AccessLog::open(path.string(), Format::Json, 1);
    ASSERT_TRUE(log) << log.error().message;
    (*log)->write(0, numbered(0, 1));
    (*log)->flush();
    EXPECT_EQ(read_lines(path).size(), 1u);

    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0640u);
}

TEST(AccessLog, DropsLinesOverTheLimit) {
    test::TempDir dir;
    auto path = dir.path() / "access.log";
    std::size_t line_size = format_line(numbered(0, 1), Format::Json).size();
    // The writer thread waits an hour between writes, so only flush() empties the buffer.
    WriterLimits limits{.max_pending_bytes = line_size * 2, .write_interval = std::chrono::hours(1)};
    auto log = AccessLog::open(path.string(), Format::Json, 1, limits);
    ASSERT_TRUE(log) << log.error().message;
    for (int i = 0; i < 3; ++i) {
        (*log)->write(0, numbered(0, 1));
    }
    EXPECT_EQ((*log)->dropped_lines(), 1u);
    (*log)->flush();
    EXPECT_EQ(read_lines(path).size(), 2u);
}

TEST(AccessLog, OpenFailureNamesThePath) {
    auto log = AccessLog::open("/nonexistent-dir/access.log", Format::Json, 1);
    ASSERT_FALSE(log);
    EXPECT_EQ(
        log.error().message,
        "cannot open the access log \"/nonexistent-dir/access.log\": No such file or directory; check that "
        "its directory exists and is writable");
}

TEST(HandshakeLog, LogsFirstAndCountsRepeats) {
    HandshakeLog log(10s);
    auto start = std::chrono::steady_clock::time_point(100s);
    HandshakeRejection rejection{"l1", "192.0.2.1", "unknown_ca"};

    EXPECT_TRUE(log.record(rejection, start));
    EXPECT_FALSE(log.record(rejection, start + 1s));
    EXPECT_FALSE(log.record(rejection, start + 2s));
    EXPECT_TRUE(log.record({"l1", "192.0.2.1", "no_certificate"}, start + 2s));
    EXPECT_TRUE(log.record({"l1", "192.0.2.2", "unknown_ca"}, start + 2s));

    EXPECT_TRUE(log.take_summaries(start + 9s).empty());
    std::vector<RepeatSummary> summaries = log.take_summaries(start + 10s);
    ASSERT_EQ(summaries.size(), 1u);
    EXPECT_EQ(summaries[0].source.client_address, "192.0.2.1");
    EXPECT_EQ(summaries[0].source.reason, "unknown_ca");
    EXPECT_EQ(summaries[0].repeats, 2u);

    // The window was forgotten, so the next rejection is logged again.
    EXPECT_TRUE(log.record(rejection, start + 11s));
}

TEST(HandshakeLog, QuietWindowRestarts) {
    HandshakeLog log(10s);
    auto start = std::chrono::steady_clock::time_point(100s);
    HandshakeRejection rejection{"l1", "192.0.2.1", "unknown_ca"};
    EXPECT_TRUE(log.record(rejection, start));
    EXPECT_TRUE(log.record(rejection, start + 15s));
    EXPECT_TRUE(log.take_summaries(start + 20s).empty());
}

}  // namespace
}  // namespace tollgate::accesslog
