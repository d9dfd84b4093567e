#pragma once

// Where the API listens, the token that authenticates the client and the project, resolved
// from command-line flags, environment variables and the files that `tollgate serve` writes
// into its data directory.

#include "core/error.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::client {

inline constexpr std::string_view kDefaultProject = "default";
inline constexpr std::string_view kEndpointFileName = "api-endpoint";
inline constexpr std::string_view kTokenFileName = "admin-token";
// `tollgate serve` holds an exclusive flock on this file while it runs.
inline constexpr std::string_view kLockFileName = "serve.lock";

// Returns whether a `tollgate serve` process holds the lock of `data_dir`. A file that
// cannot be opened counts as not held.
bool serve_holds_lock(const std::filesystem::path& data_dir);

// An http:// URL split into what a connection needs.
struct ApiUrl {
    std::string host;       // a name or an IP literal, without brackets
    std::string port;       // "80" when the URL gives none
    std::string base_path;  // "" or a prefix such as "/lb" without a trailing slash
    std::string text;       // the URL without a trailing slash, for messages
};

// Parses `http://host[:port][/prefix]`. IPv6 hosts are written in brackets. https and other
// schemes are rejected, because the API serves plain HTTP on loopback.
core::Result<ApiUrl> parse_api_url(std::string_view text);

// The values of the connection flags; absent when the flag was not given.
struct ConnectionFlags {
    std::optional<std::string> api_url;
    std::optional<std::string> token_file;
    std::optional<std::string> data_dir;
    std::optional<std::string> project;
};

// Looks up an environment variable. Tests pass a map instead of the process environment.
using GetEnv = std::function<std::optional<std::string>(const std::string& name)>;

GetEnv process_environment();

struct ConnectionSettings {
    ApiUrl url;
    std::string token;
    std::string project;
};

// Returns the data directory that `tollgate serve` uses without --data-dir:
// /var/lib/tollgate for root, else $XDG_DATA_HOME/tollgate when that variable is an absolute
// path, else $HOME/.local/share/tollgate, where HOME falls back to the home directory in
// the password database. Fails when no home directory is known.
core::Result<std::filesystem::path> default_data_dir(const GetEnv& getenv, bool is_root);

// Resolves each setting from the first source that has it:
//   URL:     --api-url, TOLLGATE_API_URL, <data dir>/api-endpoint
//   token:   --token-file, TOLLGATE_TOKEN, <data dir>/admin-token
//   project: --project, TOLLGATE_PROJECT, "default"
// where the data directory is --data-dir, TOLLGATE_DATA_DIR or default_data_dir(). Errors
// name the source that failed and the flags or variables that would replace it.
core::Result<ConnectionSettings> resolve_connection(const ConnectionFlags& flags, const GetEnv& getenv,
                                                    bool is_root);

// Returns whether `project` is 1-64 characters of letters, digits, '_' and '-', the project
// ids that the API accepts.
bool is_valid_project(std::string_view project);

}  // namespace tollgate::client
