#include "cli/client_commands.h"

#include "cli/client_common.h"

#include <unistd.h>

#include <chrono>
#include <iostream>

namespace tollgate::cli {

void add_client_flags(CLI::App& command, ClientFlags& flags, bool with_output) {
    const std::string group = "Connection";
    flags.api_url_option =
        command
            .add_option(
                "--api-url", flags.api_url,
                "API URL, such as http://127.0.0.1:9000 (default: $TOLLGATE_API_URL, else the URL that "
                "tollgate serve wrote to DATA_DIR/api-endpoint)")
            ->type_name("URL")
            ->group(group);
    flags.token_file_option =
        command
            .add_option("--token-file", flags.token_file,
                        "File with the API token (default: $TOLLGATE_TOKEN, else DATA_DIR/admin-token)")
            ->type_name("FILE")
            ->group(group);
    flags.data_dir_option =
        command
            .add_option(
                "--data-dir", flags.data_dir,
                "Data directory of tollgate serve (default: $TOLLGATE_DATA_DIR, else "
                "/var/lib/tollgate for root, else $XDG_DATA_HOME/tollgate or ~/.local/share/tollgate)")
            ->type_name("DIR")
            ->group(group);
    flags.project_option =
        command
            .add_option("--project", flags.project, "Project id (default: $TOLLGATE_PROJECT, else default)")
            ->type_name("ID")
            ->group(group);
    command
        .add_option("--api-timeout", flags.api_timeout_seconds,
                    "Seconds to wait for the connection and for each response")
        ->check(CLI::Range(0.1, 3600.0))
        ->type_name("SECONDS")
        ->capture_default_str()
        ->group(group);
    if (with_output) {
        command.add_option("-o,--output", flags.output, "Output format: table, or json for scripts")
            ->check(CLI::IsMember({"table", "json"}))
            ->type_name("FORMAT")
            ->capture_default_str();
    }
}

SessionOrExit open_session(const ClientFlags& flags) {
    client::ConnectionFlags connection;
    if (flags.api_url_option && flags.api_url_option->count() > 0) {
        connection.api_url = flags.api_url;
    }
    if (flags.token_file_option && flags.token_file_option->count() > 0) {
        connection.token_file = flags.token_file;
    }
    if (flags.data_dir_option && flags.data_dir_option->count() > 0) {
        connection.data_dir = flags.data_dir;
    }
    if (flags.project_option && flags.project_option->count() > 0) {
        connection.project = flags.project;
    }
    auto settings = client::resolve_connection(connection, client::process_environment(), ::geteuid() == 0);
    if (!settings) {
        bool invalid = settings.error().kind == core::ErrorKind::InvalidInput;
        return {nullptr, report_error(settings.error().message, invalid ? kExitInvalidInput : kExitFailed)};
    }

    auto session = std::make_unique<Session>();
    session->settings = std::move(*settings);
    client::HttpTransportOptions options;
    options.url = session->settings.url;
    options.token = session->settings.token;
    options.timeout = std::chrono::milliseconds(static_cast<long long>(flags.api_timeout_seconds * 1000));
    session->transport = std::make_unique<client::HttpTransport>(std::move(options));
    session->api = std::make_unique<client::ApiClient>(*session->transport, session->settings.project);
    return {std::move(session), 0};
}

int report_error(const std::string& message, int exit_code) {
    std::cerr << "error: " << message << "\n";
    return exit_code;
}

std::function<void()> command_callback(std::function<int()> body) {
    return [body = std::move(body)] {
        int code = body();
        std::cout.flush();
        if (code != 0) {
            throw CLI::RuntimeError(code);
        }
    };
}

void add_client_commands(CLI::App& app) {
    add_resource_commands(app);
    add_apply_command(app);
}

}  // namespace tollgate::cli
