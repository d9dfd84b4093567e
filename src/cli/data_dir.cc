#include "cli/data_dir.h"

#include "client/connection.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tollgate::cli {
namespace {

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
}

core::Result<std::filesystem::path> home_directory() {
    std::string home = environment("HOME");
    if (home.empty()) {
        if (const passwd* entry = ::getpwuid(::geteuid()); entry != nullptr && entry->pw_dir != nullptr) {
            home = entry->pw_dir;
        }
    }
    if (home.empty()) {
        return core::Error::invalid(
            "cannot choose a data directory: HOME is not set and the user has no home directory; pass "
            "--data-dir DIR or set TOLLGATE_DATA_DIR");
    }
    return std::filesystem::path(home);
}

// Creates every missing directory of `path` with mode 0700, like `mkdir -p -m 0700`.
core::Result<void> create_private_directories(const std::filesystem::path& path) {
    std::filesystem::path partial;
    for (const auto& component : path) {
        partial /= component;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
            return core::Error::io(fmt::format("cannot create the directory {}: {}; pass --data-dir DIR",
                                               partial.string(), std::strerror(errno)));
        }
    }
    return {};
}

core::Result<std::filesystem::path> default_data_dir() {
    if (::geteuid() == 0) {
        return std::filesystem::path("/var/lib/tollgate");
    }
    // The XDG Base Directory Specification ignores a relative XDG_DATA_HOME.
    const std::filesystem::path xdg_data_home = environment("XDG_DATA_HOME");
    if (xdg_data_home.is_absolute()) {
        return xdg_data_home / "tollgate";
    }
    auto home = home_directory();
    if (!home) {
        return home.error();
    }
    return *home / ".local" / "share" / "tollgate";
}

}  // namespace

core::Result<std::filesystem::path> resolve_data_dir(const std::string& flag_value) {
    std::filesystem::path chosen = flag_value.empty() ? environment("TOLLGATE_DATA_DIR") : flag_value;
    if (chosen.empty()) {
        auto fallback = default_data_dir();
        if (!fallback) {
            return fallback.error();
        }
        if (auto created = create_private_directories(fallback->parent_path()); !created) {
            return created.error();
        }
        chosen = *fallback;
    }
    std::error_code error;
    auto absolute = std::filesystem::absolute(chosen, error);
    if (error) {
        return core::Error::io(
            fmt::format("cannot resolve the data directory {}: {}", chosen.string(), error.message()));
    }
    return absolute.lexically_normal();
}

core::Result<void> create_data_dir(const std::filesystem::path& data_dir) {
    if (::mkdir(data_dir.c_str(), 0700) == 0 || errno == EEXIST) {
        return {};
    }
    const int error = errno;
    if (error == ENOENT) {
        return core::Error::io(
            fmt::format("cannot create data directory {}: its parent {} does not exist; create "
                        "it first or choose another --data-dir",
                        data_dir.string(), data_dir.parent_path().string()));
    }
    return core::Error::io(
        fmt::format("cannot create data directory {}: {}", data_dir.string(), std::strerror(error)));
}

core::Result<int> lock_data_dir(const std::filesystem::path& data_dir) {
    const auto path = data_dir / client::kLockFileName;
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return core::Error::io(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        std::string holder(32, '\0');
        const ssize_t size = ::pread(fd, holder.data(), holder.size(), 0);
        holder.resize(size > 0 ? static_cast<std::size_t>(size) : 0);
        ::close(fd);
        if (error == EWOULDBLOCK) {
            return core::Error::io(fmt::format(
                "data directory {} is in use by another tollgate serve (pid {}); stop it or choose another "
                "--data-dir",
                data_dir.string(), holder.empty() ? "unknown" : holder.substr(0, holder.find('\n'))));
        }
        return core::Error::io(fmt::format("cannot lock {}: {}", path.string(), std::strerror(error)));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        const int error = errno;
        ::close(fd);
        return core::Error::io(fmt::format("cannot write {}: {}", path.string(), std::strerror(error)));
    }
    return fd;
}

core::Result<void> write_api_endpoint(const std::filesystem::path& data_dir, std::string_view url) {
    const auto path = data_dir / kApiEndpointFileName;
    auto temporary = path;
    temporary += ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        return core::Error::io(fmt::format("cannot write {}: {}", temporary.string(), std::strerror(errno)));
    }
    const std::string line = std::string(url) + "\n";
    // fchmod sets the mode whatever the umask is.
    const bool written =
        ::fchmod(fd, 0644) == 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    const int write_error = errno;
    ::close(fd);
    if (!written) {
        ::unlink(temporary.c_str());
        return core::Error::io(
            fmt::format("cannot write {}: {}", temporary.string(), std::strerror(write_error)));
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const int rename_error = errno;
        ::unlink(temporary.c_str());
        return core::Error::io(
            fmt::format("cannot replace {}: {}", path.string(), std::strerror(rename_error)));
    }
    return {};
}

}  // namespace tollgate::cli
