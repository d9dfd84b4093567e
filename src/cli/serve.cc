#include "cli/serve.h"

#include "accesslog/writer.h"
#include "api/auth.h"
#include "api/router.h"
#include "api/server.h"
#include "cli/data_dir.h"
#include "cli/listen_address.h"
#include "cli/proxy_data_plane.h"
#include "client/connection.h"
#include "control/config_mirror.h"
#include "control/control_plane.h"
#include "core/logging.h"
#include "metrics/exposition.h"
#include "metrics/report.h"
#include "model/config_loader.h"
#include "proxy/server.h"
#include "store/store.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

namespace tollgate::cli {
namespace {

constexpr const char* kDefaultApiListen = "127.0.0.1:9000";

struct ServeArguments {
    std::string config;  // empty in store mode
    std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
    std::string log_level = "info";
    int grace_seconds = 30;
    std::string data_dir;  // empty for the default
    std::string api_listen = kDefaultApiListen;
    bool no_api = false;
    std::string access_log;  // empty: off; "stdout" or a file path
    std::string access_log_format = "json";
    bool no_metrics = false;
};

sigset_t server_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    return signals;
}

// SIGHUP and SIGTERM stay blocked from the moment the command line names `serve` until the
// server has installed its handlers, so that a signal sent right after start is handled
// instead of ending the process. Other subcommands keep the default handlers.
void block_server_signals() {
    sigset_t signals = server_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void unblock_server_signals() {
    sigset_t signals = server_signals();
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
}

// The objects of one `tollgate serve` run. Members are declared in the order they are
// created, so they are destroyed in reverse: the API server before the control plane it
// calls, and the proxy server, which owns the control thread's io_context, after both.
class ServeRun {
public:
    explicit ServeRun(ServeArguments arguments) : arguments_(std::move(arguments)) {}

    // Returns the process exit code.
    int run();

private:
    bool file_mode() const { return !arguments_.config.empty(); }
    bool api_enabled() const { return !arguments_.no_api; }

    bool open_data_dir();
    bool open_access_log();
    void create_server();
    bool start_api();
    void close_api();
    model::LoadResult load_stored();

    ServeArguments arguments_;
    std::filesystem::path data_dir_;
    std::unique_ptr<store::Store> store_;
    std::optional<api::AdminToken> token_;
    std::unique_ptr<accesslog::AccessLog> access_log_;  // outlives the server, whose workers write it
    std::unique_ptr<proxy::Server> server_;
    std::unique_ptr<ProxyDataPlane> data_plane_;
    std::unique_ptr<control::ControlPlane> control_plane_;
    std::unique_ptr<api::Server> api_server_;
    std::string api_url_;
    int lock_fd_ = -1;  // holds the data directory's lock until the process exits
};

int ServeRun::run() {
    // File mode without the API needs no data directory.
    if ((!file_mode() || api_enabled()) && !open_data_dir()) {
        return 1;
    }
    if (!open_access_log()) {
        return 1;
    }
    create_server();
    if (api_enabled() && !start_api()) {
        close_api();
        return 1;
    }
    unblock_server_signals();
    const int code = server_->run();
    close_api();
    return code;
}

// Opens the store and, when the API runs, the admin token. Logs the error and returns
// false on failure.
bool ServeRun::open_data_dir() {
    auto log = core::logger("main");
    auto data_dir = resolve_data_dir(arguments_.data_dir);
    if (!data_dir) {
        log->error("{}", data_dir.error().message);
        return false;
    }
    data_dir_ = *data_dir;

    if (auto created = create_data_dir(data_dir_); !created) {
        log->error("{}", created.error().message);
        return false;
    }
    auto lock = lock_data_dir(data_dir_);
    if (!lock) {
        log->error("{}", lock.error().message);
        return false;
    }
    lock_fd_ = *lock;

    // File mode copies the file's resources into a store of their own for the read-only API,
    // so that the store of store mode in the same data directory stays untouched.
    auto store = store::Store::open(file_mode() ? data_dir_ / "file-mode" : data_dir_);
    if (!store) {
        log->error("{}", store.error().message);
        return false;
    }
    store_ = std::move(*store);

    if (api_enabled()) {
        auto token = api::AdminToken::load_or_create(data_dir_);
        if (!token) {
            log->error("{}", token.error().message);
            return false;
        }
        token_ = std::move(*token);
    }
    return true;
}

// Opens the access log that --access-log names, if any. Logs the error and returns false on
// failure.
bool ServeRun::open_access_log() {
    if (arguments_.access_log.empty()) {
        return true;
    }
    const auto format =
        arguments_.access_log_format == "combined" ? accesslog::Format::Combined : accesslog::Format::Json;
    auto opened = accesslog::AccessLog::open(arguments_.access_log, format, arguments_.workers);
    if (!opened) {
        core::logger("main")->error("{}", opened.error().message);
        return false;
    }
    access_log_ = std::move(*opened);
    core::logger("main")->info("access log destination={} format={}", arguments_.access_log,
                               arguments_.access_log_format);
    return true;
}

void ServeRun::create_server() {
    proxy::ServeOptions options;
    options.workers = arguments_.workers;
    options.access_log = access_log_.get();
    options.grace_period = std::chrono::seconds(arguments_.grace_seconds);
    if (file_mode()) {
        options.load = [path = std::filesystem::path(arguments_.config)] {
            return model::load_config_file(path);
        };
        options.source_name = arguments_.config;
        options.on_published = [this](const model::Config& config) {
            if (!store_) {
                return;
            }
            if (auto mirrored = control::mirror_config(*store_, config); !mirrored) {
                core::logger("api")->error("failed to show the configuration in the read-only API: {}",
                                           mirrored.error().message);
            }
        };
    } else {
        options.load = [this] { return load_stored(); };
        options.source_name = store_->database_path().string();
    }
    server_ = std::make_unique<proxy::Server>(std::move(options));
    data_plane_ = std::make_unique<ProxyDataPlane>(*server_);

    if (store_) {
        control_plane_ = std::make_unique<control::ControlPlane>(*store_, *data_plane_);
        if (file_mode()) {
            const auto config = std::filesystem::absolute(arguments_.config).lexically_normal();
            control_plane_->set_read_only(fmt::format(
                "the configuration comes from {}; edit the file and send SIGHUP", config.string()));
        }
    }
}

model::LoadResult ServeRun::load_stored() {
    auto loaded = control_plane_->load_stored();
    if (loaded) {
        return std::move(*loaded);
    }
    model::LoadResult failed;
    model::ConfigError error;
    error.problem = loaded.error().message;
    failed.errors.push_back(std::move(error));
    return failed;
}

// Binds the API on the control thread's io_context, before run(), so that a busy address
// fails the start. Logs the error and returns false on failure.
bool ServeRun::start_api() {
    auto log = core::logger("main");
    // The command line's validator has accepted the value.
    const auto listen = parse_listen_address(arguments_.api_listen).value();
    api::ServerOptions options;
    options.address = listen.address;
    options.port = listen.port;

    api::Router router;
    control_plane_->add_routes(router);
    api_server_ = std::make_unique<api::Server>(server_->control_context(), std::move(options),
                                                std::move(router), std::move(*token_));
    if (!arguments_.no_metrics) {
        api_server_->add_text_resource("/metrics", {std::string(metrics::kPrometheusContentType), [this] {
                                                        return metrics::render(server_->metrics_report());
                                                    }});
    }
    auto bound = api_server_->start();
    if (!bound) {
        log->error("{} with --api-listen, or turn the API off with --no-api", bound.error().message);
        return false;
    }

    api_url_ = http_url(ListenAddress{bound->address().to_string(), bound->port()});
    if (auto written = write_api_endpoint(data_dir_, api_url_); !written) {
        log->error("{}", written.error().message);
        return false;
    }
    log->info("api listening address={} data_dir={}", api_url_, data_dir_.string());
    server_->on_stop([this] {
        api_server_->stop();
        // Clients must not find an address that another program may take once the port is free.
        std::error_code ignored;
        std::filesystem::remove(data_dir_ / client::kEndpointFileName, ignored);
        core::logger("main")->info("api closed address={}", api_url_);
    });
    return true;
}

// Closes the API and lets its cancelled operations finish while the API server still
// exists. Without this the io_context's destructor would destroy connection coroutines
// that refer to the destroyed server.
void ServeRun::close_api() {
    if (!api_server_) {
        return;
    }
    // A connection accepted just before the stop callback may have registered afterwards,
    // so stop() runs again here.
    api_server_->stop();
    auto& control = server_->control_context();
    control.restart();
    control.poll();
}

int serve(ServeArguments arguments) {
    core::init_logging(arguments.log_level);
    // Signals are handled by the server's signal_set; SIGPIPE must not kill the process when
    // a peer closes a socket that is being written.
    std::signal(SIGPIPE, SIG_IGN);
    ServeRun run(std::move(arguments));
    return run.run();
}

std::string check_listen_address(const std::string& value) {
    if (parse_listen_address(value)) {
        return {};
    }
    return fmt::format(
        "invalid value \"{}\": use ADDRESS:PORT with an IPv4 address, or an IPv6 address in brackets, and a "
        "port from 0 to 65535 (0 lets the OS choose), e.g. 127.0.0.1:9000 or [::1]:9000",
        value);
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto arguments = std::make_shared<ServeArguments>();
    auto* command = app.add_subcommand(
        "serve",
        "Run the load balancer, configured from a file (--config) or from the store and its REST API");
    command->preparse_callback([](std::size_t) { block_server_signals(); });

    command
        ->add_option(
            "--config", arguments->config,
            "Configuration file (YAML or JSON); without it the configuration comes from the store in "
            "--data-dir")
        ->check(CLI::ExistingFile);
    command->add_option(
        "--data-dir", arguments->data_dir,
        "Directory of the store, the admin token and the api-endpoint file [default: "
        "$TOLLGATE_DATA_DIR, else /var/lib/tollgate for root, else $XDG_DATA_HOME/tollgate or "
        "~/.local/share/tollgate]");
    auto* api_listen =
        command
            ->add_option(
                "--api-listen", arguments->api_listen,
                "ADDRESS:PORT of the REST API, e.g. 127.0.0.1:9000 or [::1]:9000; port 0 lets the OS choose")
            ->check(CLI::Validator(check_listen_address, "ADDRESS:PORT"))
            ->capture_default_str();
    command->add_flag("--no-api", arguments->no_api, "Do not start the REST API")->excludes(api_listen);
    command->add_option("--workers", arguments->workers, "Worker threads, each with its own event loop")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    command->add_option("--log-level", arguments->log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    command->add_option("--access-log", arguments->access_log,
                        "Write one line per request to this file, or to standard output with \"stdout\"; "
                        "off when not given");
    command->add_option("--access-log-format", arguments->access_log_format, "json or combined")
        ->check(CLI::IsMember({"json", "combined"}))
        ->capture_default_str();
    command->add_flag("--no-metrics", arguments->no_metrics,
                      "Do not serve Prometheus metrics at /metrics on the API's address");
    command
        ->add_option("--grace-period", arguments->grace_seconds,
                     "Seconds that SIGTERM waits for requests in flight before closing them")
        ->check(CLI::Range(0, 3600))
        ->capture_default_str();

    command->callback([arguments] {
        const int code = serve(*arguments);
        if (code != 0) {
            throw CLI::RuntimeError(code);
        }
    });
}

}  // namespace tollgate::cli
