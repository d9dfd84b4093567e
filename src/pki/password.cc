#include "pki/password.h"

#include "pki/files.h"
#include "tls/openssl_error.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/rand.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace tollgate::pki {
namespace {

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
// Random bytes at or above this value are drawn again, so that every character of kAlphabet
// is equally likely: 248 is the largest multiple of 62 that fits in a byte.
constexpr unsigned kUnbiasedByteLimit = 256 - 256 % kAlphabet.size();

// SIGTSTP is left out: a stopped and resumed prompt would go on reading without the handler.
constexpr std::array kRestoringSignals = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};

// Terminal state that the signal handler restores. Only one prompt runs at a time.
volatile sig_atomic_t prompt_terminal = -1;
termios saved_terminal_settings{};

extern "C" void restore_terminal_and_reraise(int signal_number) {
    // tcsetattr, signal and raise are async-signal-safe.
    if (prompt_terminal >= 0) {
        tcsetattr(prompt_terminal, TCSAFLUSH, &saved_terminal_settings);
    }
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

// Turns echo off on a terminal until destroyed, and installs signal handlers that turn it
// back on when a signal ends the process in between.
class EchoOff {
public:
    explicit EchoOff(int terminal) : terminal_(terminal) {}
    ~EchoOff() {
        if (!active_) {
            return;
        }
        tcsetattr(terminal_, TCSAFLUSH, &saved_terminal_settings);
        prompt_terminal = -1;
        for (std::size_t i = 0; i < kRestoringSignals.size(); ++i) {
            sigaction(kRestoringSignals[i], &previous_actions_[i], nullptr);
        }
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

    core::Result<void> start() {
        if (tcgetattr(terminal_, &saved_terminal_settings) != 0) {
            return core::Error::io(
                fmt::format("reading the terminal settings failed: {}", std::strerror(errno)));
        }
        prompt_terminal = terminal_;
        struct sigaction action {};
        action.sa_handler = restore_terminal_and_reraise;
        sigemptyset(&action.sa_mask);
        for (std::size_t i = 0; i < kRestoringSignals.size(); ++i) {
            sigaction(kRestoringSignals[i], &action, &previous_actions_[i]);
        }
        active_ = true;

        termios quiet = saved_terminal_settings;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;  // the Enter key still moves to the next line
        if (tcsetattr(terminal_, TCSAFLUSH, &quiet) != 0) {
            return core::Error::io(
                fmt::format("turning off the terminal echo failed: {}", std::strerror(errno)));
        }
        return {};
    }

private:
    int terminal_;
    bool active_ = false;
    std::array<struct sigaction, kRestoringSignals.size()> previous_actions_{};
};

core::Result<void> write_prompt(int terminal, std::string_view prompt) {
    if (::write(terminal, prompt.data(), prompt.size()) != static_cast<ssize_t>(prompt.size())) {
        return core::Error::io(fmt::format("writing to the terminal failed: {}", std::strerror(errno)));
    }
    return {};
}

core::Result<std::string> read_terminal_line(int terminal) {
    std::string line;
    char c = 0;
    while (true) {
        const ssize_t count = ::read(terminal, &c, 1);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return core::Error::io(fmt::format("reading from the terminal failed: {}", std::strerror(errno)));
        }
        if (count == 0 || c == '\n') {
            return line;
        }
        if (line.size() == kMaxPromptedPasswordBytes) {
            return core::Error::invalid(
                fmt::format("the password is longer than {} bytes", kMaxPromptedPasswordBytes));
        }
        line += c;
    }
}

core::Result<std::string> ask(int terminal, std::string_view prompt) {
    if (auto written = write_prompt(terminal, prompt); !written) {
        return written.error();
    }
    return read_terminal_line(terminal);
}

core::Result<std::string> ask_twice(int terminal) {
    EchoOff echo_off(terminal);
    if (auto started = echo_off.start(); !started) {
        return started.error();
    }
    auto first = ask(terminal, "Enter the .p12 password: ");
    if (!first) {
        return first;
    }
    if (first->empty()) {
        return core::Error::invalid("the .p12 password is empty");
    }
    auto second = ask(terminal, "Repeat the .p12 password: ");
    if (!second) {
        return second;
    }
    if (*first != *second) {
        return core::Error::invalid("the two passwords differ; run the command again");
    }
    return first;
}

}  // namespace

core::Result<std::string> read_password_file(const std::filesystem::path& path) {
    auto content = read_small_file(path, "password file");
    if (!content) {
        return content.error();
    }
    std::string password = content->substr(0, content->find('\n'));
    if (!password.empty() && password.back() == '\r') {
        password.pop_back();
    }
    if (password.empty()) {
        return core::Error::invalid(fmt::format(
            "the password file {} is empty; write the password on its first line", path.string()));
    }
    return password;
}

std::optional<std::string> password_from_environment() {
    const char* value = std::getenv(kPasswordVariable);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    return std::string(value);
}

core::Result<std::string> prompt_new_password() {
    const int terminal = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (terminal < 0) {
        return core::Error::invalid(
            fmt::format("no terminal to ask for the .p12 password on; pass --password-file FILE or set {}",
                        kPasswordVariable));
    }
    auto password = ask_twice(terminal);
    ::close(terminal);
    return password;
}

core::Result<std::string> generate_password() {
    tls::OpensslErrorScope error_scope;
    std::string password;
    std::array<unsigned char, 64> random{};
    while (password.size() < kGeneratedPasswordLength) {
        if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
            return core::Error::tls("generating a password failed: " + tls::take_openssl_errors());
        }
        for (unsigned char byte : random) {
            if (byte < kUnbiasedByteLimit && password.size() < kGeneratedPasswordLength) {
                password += kAlphabet[byte % kAlphabet.size()];
            }
        }
    }
    return password;
}

}  // namespace tollgate::pki
