#pragma once

// Parts shared by the client subcommands: the connection flags, the output flag, exit codes
// and the API session of one command.

#include "client/api_client.h"
#include "client/connection.h"
#include "client/http_transport.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

namespace tollgate::cli {

inline constexpr int kExitFailed = 1;        // the API returned an error or could not be reached
inline constexpr int kExitInvalidInput = 2;  // a flag, a file or a setting is invalid

// The flags every client subcommand has. CLI11 writes into the strings; an option counts as
// given when its count() is not 0.
struct ClientFlags {
    std::string api_url;
    std::string token_file;
    std::string data_dir;
    std::string project;
    double api_timeout_seconds = 30;
    std::string output = "table";

    CLI::Option* api_url_option = nullptr;
    CLI::Option* token_file_option = nullptr;
    CLI::Option* data_dir_option = nullptr;
    CLI::Option* project_option = nullptr;

    bool json() const { return output == "json"; }
};

// Adds the connection flags and, when `with_output`, -o/--output to `command`.
void add_client_flags(CLI::App& command, ClientFlags& flags, bool with_output = true);

// One connection to the API.
struct Session {
    client::ConnectionSettings settings;
    std::unique_ptr<client::HttpTransport> transport;
    std::unique_ptr<client::ApiClient> api;
};

// Resolves the connection settings and prepares the client. Connects lazily, on the first
// request. Prints the error and returns the exit code on failure.
struct SessionOrExit {
    std::unique_ptr<Session> session;
    int exit_code = 0;
};
SessionOrExit open_session(const ClientFlags& flags);

// Prints "error: <message>" to stderr and returns `exit_code`.
int report_error(const std::string& message, int exit_code = kExitFailed);

// Runs `body` as the callback of a subcommand: its exit code, when not 0, ends the parse
// through CLI::RuntimeError, which CLI11_PARSE turns into the process exit code.
std::function<void()> command_callback(std::function<int()> body);

// Adds the resource subcommands (certificate, loadbalancer, listener, pool, member,
// healthmonitor) to `app`.
void add_resource_commands(CLI::App& app);

// Adds `apply` to `app`.
void add_apply_command(CLI::App& app);

}  // namespace tollgate::cli
