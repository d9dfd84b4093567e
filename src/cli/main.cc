#include "core/logging.h"
#include "proxy/server.h"

#include <CLI/CLI.hpp>

#include <pthread.h>

#include <csignal>
#include <thread>

namespace tollgate {
extern const char* const kVersion;
extern const char* const kCommit;
}  // namespace tollgate

namespace {

sigset_t server_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    return signals;
}

// SIGHUP and SIGTERM stay blocked from the start of main until the server has installed its
// handlers, so that a signal sent right after start is handled instead of ending the process.
void block_server_signals() {
    sigset_t signals = server_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void unblock_server_signals() {
    sigset_t signals = server_signals();
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
}

int serve(const std::string& config, std::size_t workers, const std::string& log_level, int grace_seconds) {
    tollgate::core::init_logging(log_level);
    // Signals are handled by the server's signal_set; SIGPIPE must not kill the process when
    // a peer closes a socket that is being written.
    std::signal(SIGPIPE, SIG_IGN);
    tollgate::proxy::ServeOptions options;
    options.config_path = config;
    options.workers = workers;
    options.grace_period = std::chrono::seconds(grace_seconds);
    tollgate::proxy::Server server(std::move(options));
    unblock_server_signals();
    return server.run();
}

}  // namespace

int main(int argc, char** argv) {
    block_server_signals();
    CLI::App app{"tollgate: a load balancer with mutual TLS authentication"};
    app.set_version_flag("--version",
                         std::string("tollgate ") + tollgate::kVersion + " (" + tollgate::kCommit + ")");
    app.require_subcommand(1);

    auto* serve_command = app.add_subcommand("serve", "Run the load balancer");
    std::string config;
    std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
    std::string log_level = "info";
    int grace_seconds = 30;
    serve_command->add_option("--config", config, "Configuration file (YAML or JSON)")
        ->required()
        ->check(CLI::ExistingFile);
    serve_command->add_option("--workers", workers, "Worker threads, each with its own event loop")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    serve_command->add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    serve_command
        ->add_option("--grace-period", grace_seconds,
                     "Seconds that SIGTERM waits for requests in flight before closing them")
        ->check(CLI::Range(0, 3600))
        ->capture_default_str();

    CLI11_PARSE(app, argc, argv);
    if (serve_command->parsed()) {
        return serve(config, workers, log_level, grace_seconds);
    }
    return 0;
}
