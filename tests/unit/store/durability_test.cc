// A writer process commits changes and reports each revision it was given; it is killed
// with SIGKILL mid-stream. Every reported commit must be in the reopened database.
//
// SIGKILL loses what the process held, not what the kernel had accepted, so this checks
// that a commit is on its way to disk when commit() returns. Power loss is covered by
// PRAGMA synchronous = FULL, which this test cannot simulate.

#include "store/store.h"

#include "store/store_test_support.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace tollgate::store {
namespace {

using test::make_document;
using test::TempDir;

constexpr int kAcknowledgedBeforeKill = 40;
constexpr int kMaxWriterCommits = 100000;
constexpr std::chrono::seconds kTimeout{60};

std::string document_id(std::int64_t index) {
    return fmt::format("doc-{}", index);
}

bool write_value(int fd, std::int64_t value) {
    return ::write(fd, &value, sizeof value) == static_cast<ssize_t>(sizeof value);
}

// Runs in the child: commit i inserts doc-i with a secret and updates a counter document,
// then writes the revision to `fd`. Writes -1 and exits on the first failure.
[[noreturn]] void run_writer(const std::filesystem::path& data_dir, int fd) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    auto store = Store::open(data_dir);
    if (!store) {
        write_value(fd, -1);
        ::_exit(1);
    }
    for (int index = 1; index <= kMaxWriterCommits; ++index) {
        auto transaction = (*store)->begin();
        const std::string body = fmt::format(R"({{"index":{}}})", index);
        bool ok = transaction && transaction->insert(make_document("member", document_id(index), body), {}) &&
                  transaction->put_secret("member", "p1", document_id(index), "token", body) &&
                  transaction->update(make_document("pool", "counter", body), {});
        auto revision =
            ok ? transaction->commit() : core::Result<std::int64_t>(core::Error::internal("failed"));
        if (!revision || !write_value(fd, *revision)) {
            write_value(fd, -1);
            ::_exit(1);
        }
    }
    ::_exit(0);
}

// Reads revisions from `fd` until `count` were read, the writer closed the pipe, or the
// deadline passed. Appends them to `revisions`.
void read_revisions(int fd, std::size_t count, std::chrono::steady_clock::time_point deadline,
                    std::vector<std::int64_t>& revisions, std::string& pending) {
    while (revisions.size() < count) {
        const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (remaining.count() <= 0) {
            return;
        }
        pollfd readable{fd, POLLIN, 0};
        if (::poll(&readable, 1, static_cast<int>(remaining.count())) <= 0) {
            continue;
        }
        char buffer[256];
        const ssize_t size = ::read(fd, buffer, sizeof buffer);
        if (size <= 0) {
            return;
        }
        pending.append(buffer, static_cast<std::size_t>(size));
        while (pending.size() >= sizeof(std::int64_t)) {
            std::int64_t value = 0;
            std::memcpy(&value, pending.data(), sizeof value);
            pending.erase(0, sizeof value);
            revisions.push_back(value);
        }
    }
}

TEST(StoreDurability, AcknowledgedCommitsSurviveSigkill) {
    TempDir temp;
    test::SecretKeyVariable key_variable(std::string(64, 'a'));
    {
        auto store = test::open_store(temp.data_dir());
        ASSERT_TRUE(store);
        auto transaction = store->begin();
        ASSERT_TRUE(transaction);
        ASSERT_TRUE(transaction->insert(make_document("pool", "counter"), {}));
        ASSERT_TRUE(transaction->commit());
    }

    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t writer = ::fork();
    ASSERT_GE(writer, 0);
    if (writer == 0) {
        ::close(pipe_fds[0]);
        run_writer(temp.data_dir(), pipe_fds[1]);
    }
    ::close(pipe_fds[1]);

    std::vector<std::int64_t> revisions;
    std::string pending;
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    read_revisions(pipe_fds[0], kAcknowledgedBeforeKill, deadline, revisions, pending);
    ASSERT_EQ(::kill(writer, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(writer, &status, 0), writer);
    // Revisions written between the last read and the kill are acknowledged too.
    read_revisions(pipe_fds[0], kMaxWriterCommits, deadline, revisions, pending);
    ::close(pipe_fds[0]);

    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited early with status " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    ASSERT_GE(revisions.size(), static_cast<std::size_t>(kAcknowledgedBeforeKill));
    for (std::size_t i = 0; i < revisions.size(); ++i) {
        ASSERT_EQ(revisions[i], static_cast<std::int64_t>(i) + 2) << "the writer reported a failure";
    }

    auto store = test::open_store(temp.data_dir());
    ASSERT_TRUE(store);
    const std::int64_t acknowledged = revisions.back();
    const std::int64_t revision = store->revision().value();
    // The commit in flight at the kill may have reached the disk without being reported.
    EXPECT_TRUE(revision == acknowledged || revision == acknowledged + 1)
        << "revision " << revision << ", last acknowledged " << acknowledged;
    auto transaction = store->begin();
    ASSERT_TRUE(transaction);
    auto members = transaction->list("member", "p1", {});
    ASSERT_TRUE(members) << members.error().message;
    ASSERT_EQ(static_cast<std::int64_t>(members->documents.size()), revision - 1);
    for (std::int64_t index = 1; index < revision; ++index) {
        const Document& member = members->documents[static_cast<std::size_t>(index - 1)];
        EXPECT_EQ(member.id, document_id(index));
        auto secret = transaction->get_secret("member", "p1", member.id, "token");
        ASSERT_TRUE(secret) << secret.error().message;
        EXPECT_EQ(secret->view(), member.body);
    }
    auto counter = transaction->get("pool", "p1", "counter");
    ASSERT_TRUE(counter);
    ASSERT_TRUE(counter->has_value());
    EXPECT_EQ((*counter)->body, fmt::format(R"({{"index":{}}})", revision - 1));

    test::RawDatabase raw(store->database_path());
    EXPECT_EQ(raw.value("PRAGMA integrity_check"), "ok");
    EXPECT_TRUE(raw.rows("PRAGMA foreign_key_check").empty());
}

}  // namespace
}  // namespace tollgate::store
