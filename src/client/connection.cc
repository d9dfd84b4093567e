#include "client/connection.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tollgate::client {
namespace {

// The files of the data directory hold one line; anything longer is not such a file.
constexpr std::size_t kMaxSettingFileBytes = 4096;

std::string trim(std::string_view text) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return std::string(text);
}

// Reads a small file whole. The error message names the path and the system's reason.
core::Result<std::string> read_setting_file(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return core::Error::io("cannot read " + path.string() + ": " + std::strerror(errno));
    }
    std::string data;
    char buffer[1024];
    while (data.size() <= kMaxSettingFileBytes) {
        ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count < 0) {
            int error = errno;
            ::close(fd);
            return core::Error::io("cannot read " + path.string() + ": " + std::strerror(error));
        }
        if (count == 0) {
            break;
        }
        data.append(buffer, static_cast<std::size_t>(count));
    }
    ::close(fd);
    if (data.size() > kMaxSettingFileBytes) {
        return core::Error::invalid(path.string() + " is larger than " +
                                    std::to_string(kMaxSettingFileBytes) + " bytes; it should hold one line");
    }
    return data;
}

// Tokens travel in a header, so only visible ASCII characters are allowed.
core::Result<std::string> check_token(std::string token, const std::string& source) {
    if (token.empty()) {
        return core::Error::invalid("the token from " + source + " is empty");
    }
    bool visible = std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (!visible) {
        return core::Error::invalid("the token from " + source +
                                    " contains spaces or control characters; it must be one word of visible "
                                    "ASCII characters");
    }
    return token;
}

struct DataDir {
    std::filesystem::path path;
    std::string source;  // how the directory was chosen, for messages
};

core::Result<DataDir> find_data_dir(const ConnectionFlags& flags, const GetEnv& getenv, bool is_root) {
    if (flags.data_dir) {
        return DataDir{*flags.data_dir, "--data-dir"};
    }
    if (auto variable = getenv("TOLLGATE_DATA_DIR"); variable && !variable->empty()) {
        return DataDir{*variable, "TOLLGATE_DATA_DIR"};
    }
    auto path = default_data_dir(getenv, is_root);
    if (!path) {
        return path.error();
    }
    return DataDir{*path, "the default data directory"};
}

bool serve_holds_lock(const std::filesystem::path& data_dir) {
    const auto path = data_dir / kLockFileName;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return false;
    }
    const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return held;
}

core::Result<std::string> resolve_url_text(const ConnectionFlags& flags, const GetEnv& getenv,
                                           const core::Result<DataDir>& data_dir) {
    if (flags.api_url) {
        return *flags.api_url;
    }
    if (auto variable = getenv("TOLLGATE_API_URL"); variable && !variable->empty()) {
        return *variable;
    }
    if (!data_dir) {
        return data_dir.error();
    }
    auto path = data_dir->path / kEndpointFileName;
    // A process that ended without removing the file leaves an address that another program
    // may own now, and the client would send it the token.
    if (std::filesystem::exists(path) && !serve_holds_lock(data_dir->path)) {
        return core::Error::io(fmt::format(
            "{} is left from a tollgate serve that is no longer running ({}); start `tollgate serve` with "
            "this data directory, or pass --api-url or set TOLLGATE_API_URL",
            path.string(), data_dir->source));
    }
    auto text = read_setting_file(path);
    if (!text) {
        return core::Error::io(text.error().message + " (" + data_dir->source +
                               "); start `tollgate serve` with this data directory, pass --data-dir, pass "
                               "--api-url or set TOLLGATE_API_URL");
    }
    return trim(*text);
}

core::Result<std::string> resolve_token(const ConnectionFlags& flags, const GetEnv& getenv,
                                        const core::Result<DataDir>& data_dir) {
    if (flags.token_file) {
        auto text = read_setting_file(*flags.token_file);
        if (!text) {
            return core::Error::io(text.error().message + " (--token-file)");
        }
        return check_token(trim(*text), *flags.token_file);
    }
    if (auto variable = getenv("TOLLGATE_TOKEN")) {
        return check_token(trim(*variable), "TOLLGATE_TOKEN");
    }
    if (!data_dir) {
        return data_dir.error();
    }
    auto path = data_dir->path / kTokenFileName;
    auto text = read_setting_file(path);
    if (!text) {
        return core::Error::io(
            text.error().message + " (" + data_dir->source +
            "); run as the user of `tollgate serve`, pass --data-dir or --token-file, or set "
            "TOLLGATE_TOKEN");
    }
    return check_token(trim(*text), path.string());
}

}  // namespace

core::Result<ApiUrl> parse_api_url(std::string_view text) {
    std::string given(text);
    auto invalid = [&](const std::string& reason) {
        return core::Error::invalid("invalid API URL \"" + given + "\": " + reason +
                                    "; use http://HOST:PORT, such as http://127.0.0.1:9000");
    };
    constexpr std::string_view kScheme = "http://";
    if (text.starts_with("https://")) {
        return invalid("https is not supported, because the API serves plain HTTP");
    }
    if (!text.starts_with(kScheme)) {
        return invalid("the scheme must be http://");
    }
    std::string_view rest = text.substr(kScheme.size());
    std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    while (path.ends_with('/')) {
        path.remove_suffix(1);
    }
    if (path.find_first_of("?#") != std::string_view::npos) {
        return invalid("a query or fragment is not allowed");
    }

    ApiUrl url;
    std::string_view port;
    if (authority.starts_with('[')) {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            return invalid("the IPv6 address lacks its closing bracket");
        }
        url.host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) {
            return invalid("unexpected text after the IPv6 address");
        }
        port = after.empty() ? std::string_view{} : after.substr(1);
    } else {
        if (authority.find('@') != std::string_view::npos) {
            return invalid(
                "user information is not allowed; give the token with --token-file or TOLLGATE_TOKEN");
        }
        std::size_t colon = authority.rfind(':');
        url.host = authority.substr(0, colon);
        port = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon + 1);
    }
    if (url.host.empty()) {
        return invalid("the host is missing");
    }
    if (port.empty()) {
        url.port = "80";
    } else {
        bool digits = port.size() <= 5 &&
                      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
            return invalid("the port must be a number from 1 to 65535");
        }
        url.port = port;
    }
    url.base_path = path;
    url.text = std::string(kScheme) + std::string(authority) + std::string(path);
    return url;
}

GetEnv process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) {
            return std::nullopt;
        }
        return std::string(value);
    };
}

core::Result<std::filesystem::path> default_data_dir(const GetEnv& getenv, bool is_root) {
    if (is_root) {
        return std::filesystem::path("/var/lib/tollgate");
    }
    // The XDG base directory specification ignores relative values.
    if (auto xdg = getenv("XDG_DATA_HOME"); xdg && !xdg->empty() && xdg->front() == '/') {
        return std::filesystem::path(*xdg) / "tollgate";
    }
    auto home = getenv("HOME");
    if (!home || home->empty()) {
        if (const passwd* entry = ::getpwuid(::geteuid()); entry != nullptr && entry->pw_dir != nullptr) {
            home = entry->pw_dir;
        }
    }
    if (!home || home->empty()) {
        return core::Error::invalid(
            "cannot find the default data directory: HOME is not set and the user has no home directory; "
            "pass "
            "--data-dir or set "
            "TOLLGATE_DATA_DIR");
    }
    return std::filesystem::path(*home) / ".local" / "share" / "tollgate";
}

bool is_valid_project(std::string_view project) {
    if (project.empty() || project.size() > 64) {
        return false;
    }
    return std::all_of(project.begin(), project.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-';
    });
}

core::Result<ConnectionSettings> resolve_connection(const ConnectionFlags& flags, const GetEnv& getenv,
                                                    bool is_root) {
    ConnectionSettings settings;
    settings.project = std::string(kDefaultProject);
    if (flags.project) {
        settings.project = *flags.project;
    } else if (auto variable = getenv("TOLLGATE_PROJECT"); variable && !variable->empty()) {
        settings.project = *variable;
    }
    if (!is_valid_project(settings.project)) {
        return core::Error::invalid("invalid project \"" + settings.project +
                                    "\": use 1 to 64 letters, digits, '_' or '-'");
    }

    // The data directory is looked up lazily: a failure matters only when a file is needed.
    auto data_dir = find_data_dir(flags, getenv, is_root);

    auto url_text = resolve_url_text(flags, getenv, data_dir);
    if (!url_text) {
        return url_text.error();
    }
    auto url = parse_api_url(*url_text);
    if (!url) {
        return url.error();
    }
    settings.url = std::move(*url);

    auto token = resolve_token(flags, getenv, data_dir);
    if (!token) {
        return token.error();
    }
    settings.token = std::move(*token);
    return settings;
}

}  // namespace tollgate::client
