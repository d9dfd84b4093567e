#include "api/auth.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace tollgate::api {
namespace {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "tollgate-api-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string stored_token(const fs::path& dir) {
    std::string text = read_file(dir / AdminToken::kFileName);
    return text.substr(0, text.find('\n'));
}

TEST(AdminTokenTest, CreatesFileWithMode0600) {
    TempDir dir;
    auto token = AdminToken::load_or_create(dir.path() / "data");
    ASSERT_TRUE(token) << token.error().message;

    const fs::path file = dir.path() / "data" / AdminToken::kFileName;
    struct stat status {};
    ASSERT_EQ(::stat(file.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 07777, 0600u);
    ASSERT_EQ(::stat(file.parent_path().c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 07777, 0700u);

    std::string text = read_file(file);
    ASSERT_EQ(text.size(), 65u);
    EXPECT_EQ(text.back(), '\n');
    std::string hex = text.substr(0, 64);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
    EXPECT_TRUE(token->matches(hex));
}

TEST(AdminTokenTest, ReusedOnRestart) {
    TempDir dir;
    auto first = AdminToken::load_or_create(dir.path());
    ASSERT_TRUE(first);
    std::string stored = stored_token(dir.path());

    auto second = AdminToken::load_or_create(dir.path());
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(stored_token(dir.path()), stored);
    EXPECT_TRUE(second->matches(stored));
}

TEST(AdminTokenTest, RejectsLooseMode) {
    TempDir dir;
    ASSERT_TRUE(AdminToken::load_or_create(dir.path()));
    const fs::path file = dir.path() / AdminToken::kFileName;
    std::string stored = stored_token(dir.path());

    for (mode_t mode : {0640, 0604, 0660}) {
        ASSERT_EQ(::chmod(file.c_str(), mode), 0);
        auto token = AdminToken::load_or_create(dir.path());
        ASSERT_FALSE(token) << mode;
        EXPECT_EQ(token.error().message,
                  fmt::format("{} has group or other permissions (mode {:04o}); run chmod 600 {}",
                              file.string(), mode, file.string()));
        // The file is kept as it was, not replaced by a new token.
        EXPECT_EQ(stored_token(dir.path()), stored);
    }
}

TEST(AdminTokenTest, MissingParentDirectory) {
    TempDir dir;
    const fs::path data_dir = dir.path() / "missing" / "data";
    auto token = AdminToken::load_or_create(data_dir);
    ASSERT_FALSE(token);
    EXPECT_EQ(token.error().message,
              "cannot create the data directory " + data_dir.string() + ": No such file or directory");
}

TEST(AdminTokenTest, RejectsInvalidContent) {
    TempDir dir;
    const fs::path file = dir.path() / AdminToken::kFileName;
    std::ofstream(file) << "not-a-token\n";
    ASSERT_EQ(::chmod(file.c_str(), 0600), 0);

    auto token = AdminToken::load_or_create(dir.path());
    ASSERT_FALSE(token);
    EXPECT_EQ(token.error().message,
              "the admin token file " + file.string() +
                  " does not contain 64 lowercase hex characters; delete it to generate a new token");
}

TEST(AdminTokenTest, MatchesOnlyTheExactToken) {
    TempDir dir;
    auto token = AdminToken::load_or_create(dir.path());
    ASSERT_TRUE(token);
    std::string right = stored_token(dir.path());

    EXPECT_TRUE(token->matches(right));
    EXPECT_FALSE(token->matches(""));
    EXPECT_FALSE(token->matches(right.substr(0, 63)));
    EXPECT_FALSE(token->matches(right + "0"));
    std::string last_changed = right;
    last_changed.back() = last_changed.back() == '0' ? '1' : '0';
    EXPECT_FALSE(token->matches(last_changed));
    std::string first_changed = right;
    first_changed.front() = first_changed.front() == '0' ? '1' : '0';
    EXPECT_FALSE(token->matches(first_changed));
}

}  // namespace
}  // namespace tollgate::api
