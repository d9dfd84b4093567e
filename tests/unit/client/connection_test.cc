#include "client/connection.h"
#include "temp_dir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <map>

namespace tollgate::client {
namespace {

using ::tollgate::test::TempDir;

// Holds the data directory's lock for one scope, as a running `tollgate serve` does.
class ServeLock {
public:
    explicit ServeLock(const std::filesystem::path& data_dir)
        : fd_(::open((data_dir / kLockFileName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
        EXPECT_GE(fd_, 0);
        EXPECT_EQ(::flock(fd_, LOCK_EX | LOCK_NB), 0);
    }
    ServeLock(const ServeLock&) = delete;
    ServeLock& operator=(const ServeLock&) = delete;
    ~ServeLock() { ::close(fd_); }

private:
    int fd_;
};

GetEnv environment(std::map<std::string, std::string> variables) {
    return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
        auto found = variables.find(name);
        if (found == variables.end()) {
            return std::nullopt;
        }
        return found->second;
    };
}

TEST(ParseApiUrl, HostPortAndBasePath) {
    auto url = parse_api_url("http://127.0.0.1:9000/lb/");
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(url->host, "127.0.0.1");
    EXPECT_EQ(url->port, "9000");
    EXPECT_EQ(url->base_path, "/lb");
    EXPECT_EQ(url->text, "http://127.0.0.1:9000/lb");
}

TEST(ParseApiUrl, BracketedIpv6AndDefaultPort) {
    auto url = parse_api_url("http://[::1]");
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(url->host, "::1");
    EXPECT_EQ(url->port, "80");
    EXPECT_EQ(url->base_path, "");
}

TEST(ParseApiUrl, RejectsHttps) {
    auto url = parse_api_url("https://127.0.0.1:9000");
    ASSERT_FALSE(url);
    EXPECT_EQ(
        url.error().message,
        "invalid API URL \"https://127.0.0.1:9000\": https is not supported, because the API serves plain "
        "HTTP; use http://HOST:PORT, such as http://127.0.0.1:9000");
}

TEST(ParseApiUrl, RejectsInvalidPorts) {
    for (const char* text :
         {"http://localhost:0", "http://localhost:65536", "http://localhost:90x", "http://localhost:-1"}) {
        auto url = parse_api_url(text);
        EXPECT_FALSE(url) << text;
    }
    auto url = parse_api_url("http://localhost:70000");
    ASSERT_FALSE(url);
    EXPECT_EQ(url.error().message,
              "invalid API URL \"http://localhost:70000\": the port must be a number from 1 to 65535; use "
              "http://HOST:PORT, such as http://127.0.0.1:9000");
}

TEST(ParseApiUrl, RejectsMissingSchemeAndHost) {
    EXPECT_FALSE(parse_api_url("127.0.0.1:9000"));
    EXPECT_FALSE(parse_api_url("http://:9000"));
    EXPECT_FALSE(parse_api_url("http://[::1:9000"));
    EXPECT_FALSE(parse_api_url("http://user@host:9000"));
}

TEST(DefaultDataDir, RootUsesVarLib) {
    auto dir = default_data_dir(environment({{"HOME", "/root"}}), true);
    ASSERT_TRUE(dir);
    EXPECT_EQ(*dir, "/var/lib/tollgate");
}

TEST(DefaultDataDir, XdgDataHomeWhenAbsolute) {
    auto dir = default_data_dir(environment({{"HOME", "/home/a"}, {"XDG_DATA_HOME", "/data"}}), false);
    ASSERT_TRUE(dir);
    EXPECT_EQ(*dir, "/data/tollgate");
}

TEST(DefaultDataDir, RelativeXdgDataHomeIsIgnored) {
    auto dir = default_data_dir(environment({{"HOME", "/home/a"}, {"XDG_DATA_HOME", "data"}}), false);
    ASSERT_TRUE(dir);
    EXPECT_EQ(*dir, "/home/a/.local/share/tollgate");
}

TEST(ResolveConnection, ReadsTheDataDirectoryFiles) {
    TempDir dir;
    dir.write("api-endpoint", "http://127.0.0.1:9123\n");
    ServeLock lock(dir.path());
    dir.write("admin-token", std::string(64, 'a') + "\n");
    ConnectionFlags flags;
    flags.data_dir = dir.path().string();
    auto settings = resolve_connection(flags, environment({}), false);
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_EQ(settings->url.text, "http://127.0.0.1:9123");
    EXPECT_EQ(settings->token, std::string(64, 'a'));
    EXPECT_EQ(settings->project, "default");
}

TEST(ResolveConnection, EndpointWithoutRunningServeIsRejected) {
    TempDir dir;
    dir.write("api-endpoint", "http://127.0.0.1:9123\n");
    dir.write("admin-token", std::string(64, 'a') + "\n");

    ConnectionFlags flags;
    flags.data_dir = dir.path().string();
    auto settings = resolve_connection(flags, environment({}), false);

    ASSERT_FALSE(settings);
    EXPECT_EQ(
        settings.error().message,
        (dir.path() / "api-endpoint").string() +
            " is left from a tollgate serve that is no longer running (--data-dir); start `tollgate serve` "
            "with this data directory, or pass --api-url or set TOLLGATE_API_URL");
}

TEST(ResolveConnection, DataDirFromEnvironment) {
    TempDir dir;
    dir.write("api-endpoint", "http://127.0.0.1:9124");
    ServeLock lock(dir.path());
    dir.write("admin-token", "secret");
    auto settings = resolve_connection({}, environment({{"TOLLGATE_DATA_DIR", dir.path().string()}}), false);
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_EQ(settings->url.port, "9124");
    EXPECT_EQ(settings->token, "secret");
}

TEST(ResolveConnection, FlagsWinOverEnvironmentAndFiles) {
    TempDir dir;
    dir.write("api-endpoint", "http://127.0.0.1:1\n");
    ServeLock lock(dir.path());
    dir.write("admin-token", "from-data-dir\n");
    dir.write("token", "  from-flag-file \n");
    ConnectionFlags flags;
    flags.api_url = "http://127.0.0.1:3";
    flags.token_file = (dir.path() / "token").string();
    flags.data_dir = dir.path().string();
    flags.project = "flag-project";
    auto env = environment({{"TOLLGATE_API_URL", "http://127.0.0.1:2"},
                            {"TOLLGATE_TOKEN", "from-environment"},
                            {"TOLLGATE_PROJECT", "env-project"}});
    auto settings = resolve_connection(flags, env, false);
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_EQ(settings->url.port, "3");
    EXPECT_EQ(settings->token, "from-flag-file");
    EXPECT_EQ(settings->project, "flag-project");
}

TEST(ResolveConnection, EnvironmentWinsOverFiles) {
    TempDir dir;
    dir.write("api-endpoint", "http://127.0.0.1:1\n");
    ServeLock lock(dir.path());
    dir.write("admin-token", "from-data-dir\n");
    auto env = environment({{"TOLLGATE_DATA_DIR", dir.path().string()},
                            {"TOLLGATE_API_URL", "http://127.0.0.1:2"},
                            {"TOLLGATE_TOKEN", "from-environment\n"},
                            {"TOLLGATE_PROJECT", "env-project"}});
    auto settings = resolve_connection({}, env, false);
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_EQ(settings->url.port, "2");
    EXPECT_EQ(settings->token, "from-environment");
    EXPECT_EQ(settings->project, "env-project");
}

TEST(ResolveConnection, NoDataDirectoryNeededWithUrlAndToken) {
    // HOME is unset and no data directory is given, but nothing needs one.
    auto env = environment({{"TOLLGATE_API_URL", "http://127.0.0.1:2"}, {"TOLLGATE_TOKEN", "t"}});
    auto settings = resolve_connection({}, env, false);
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_EQ(settings->token, "t");
}

TEST(ResolveConnection, MissingEndpointFileNamesTheFixes) {
    TempDir dir;
    ConnectionFlags flags;
    flags.data_dir = dir.path().string();
    auto settings = resolve_connection(flags, environment({}), false);
    ASSERT_FALSE(settings);
    EXPECT_EQ(
        settings.error().message,
        "cannot read " + (dir.path() / "api-endpoint").string() +
            ": No such file or directory (--data-dir); start `tollgate serve` with this data directory, "
            "pass --data-dir, pass --api-url or set TOLLGATE_API_URL");
}

TEST(ResolveConnection, MissingTokenFileNamesTheFixes) {
    TempDir dir;
    dir.write("api-endpoint", "http://127.0.0.1:9000\n");
    ServeLock lock(dir.path());
    auto settings = resolve_connection({}, environment({{"TOLLGATE_DATA_DIR", dir.path().string()}}), false);
    ASSERT_FALSE(settings);
    EXPECT_EQ(
        settings.error().message,
        "cannot read " + (dir.path() / "admin-token").string() +
            ": No such file or directory (TOLLGATE_DATA_DIR); run as the user of `tollgate serve`, pass "
            "--data-dir or --token-file, or set TOLLGATE_TOKEN");
}

TEST(ResolveConnection, EmptyTokenIsRejected) {
    auto env = environment({{"TOLLGATE_API_URL", "http://127.0.0.1:2"}, {"TOLLGATE_TOKEN", " \n"}});
    auto settings = resolve_connection({}, env, false);
    ASSERT_FALSE(settings);
    EXPECT_EQ(settings.error().message, "the token from TOLLGATE_TOKEN is empty");
}

TEST(ResolveConnection, TokenWithSpaceIsRejected) {
    auto env = environment({{"TOLLGATE_API_URL", "http://127.0.0.1:2"}, {"TOLLGATE_TOKEN", "a b"}});
    auto settings = resolve_connection({}, env, false);
    ASSERT_FALSE(settings);
    EXPECT_EQ(
        settings.error().message,
        "the token from TOLLGATE_TOKEN contains spaces or control characters; it must be one word of visible "
        "ASCII characters");
}

TEST(ResolveConnection, InvalidProjectIsRejected) {
    ConnectionFlags flags;
    flags.project = "a/b";
    auto settings = resolve_connection(flags, environment({}), false);
    ASSERT_FALSE(settings);
    EXPECT_EQ(settings.error().message, "invalid project \"a/b\": use 1 to 64 letters, digits, '_' or '-'");
}

TEST(IsValidProject, Limits) {
    EXPECT_TRUE(is_valid_project("default"));
    EXPECT_TRUE(is_valid_project(std::string(64, 'a')));
    EXPECT_FALSE(is_valid_project(std::string(65, 'a')));
    EXPECT_FALSE(is_valid_project(""));
    EXPECT_FALSE(is_valid_project("a b"));
}

}  // namespace
}  // namespace tollgate::client
