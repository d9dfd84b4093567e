#include "pki/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace tollgate::pki {
namespace {

namespace fs = std::filesystem;

constexpr mode_t kSecretMode = 0600;
constexpr mode_t kPublicMode = 0644;

std::string join_paths(const std::vector<fs::path>& paths) {
    std::string joined;
    for (const fs::path& path : paths) {
        joined += (joined.empty() ? "" : ", ") + path.string();
    }
    return joined;
}

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    int get() const { return fd_; }
    // Closes the descriptor and returns 0 or -1 with errno set, as close() does.
    int close() {
        const int result = ::close(fd_);
        fd_ = -1;
        return result;
    }

private:
    int fd_;
};

core::Result<void> write_all(int fd, const std::string& content) {
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t count = ::write(fd, content.data() + written, content.size() - written);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return core::Error::io(std::strerror(errno));
        }
        written += static_cast<std::size_t>(count);
    }
    return {};
}

// Creates `path`, which must not exist, with `mode` and writes `content` to it. Removes the
// file again when writing fails.
core::Result<void> create_file(const fs::path& path, const std::string& content, mode_t mode) {
    FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (fd.get() < 0) {
        if (errno == EEXIST) {
            return core::Error::invalid(
                fmt::format("{} already exists; use --force to replace it", path.string()));
        }
        return core::Error::io(fmt::format("creating {} failed: {}", path.string(), std::strerror(errno)));
    }
    auto written = write_all(fd.get(), content);
    if (written && ::fsync(fd.get()) != 0) {
        written = core::Error::io(std::strerror(errno));
    }
    if (written && fd.close() != 0) {
        written = core::Error::io(std::strerror(errno));
    }
    if (!written) {
        ::unlink(path.c_str());
        return core::Error::io(fmt::format("writing {} failed: {}", path.string(), written.error().message));
    }
    return {};
}

// Replaces `path`, which may exist, by a new file with `mode` and `content`.
core::Result<void> replace_file(const fs::path& path, const std::string& content, mode_t mode) {
    fs::path temporary = path;
    temporary += fmt::format(".tmp-{}", ::getpid());
    if (auto created = create_file(temporary, content, mode); !created) {
        return created;
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return core::Error::io(fmt::format("replacing {} failed: {}", path.string(), std::strerror(error)));
    }
    return {};
}

core::Result<void> create_parent_directory(const fs::path& path) {
    const fs::path parent = path.parent_path();
    if (parent.empty()) {
        return {};
    }
    std::error_code error;
    fs::create_directories(parent, error);
    if (error) {
        return core::Error::io(
            fmt::format("creating the directory {} failed: {}", parent.string(), error.message()));
    }
    return {};
}

}  // namespace

core::Result<void> check_output_paths(const std::vector<fs::path>& paths, bool force) {
    std::vector<fs::path> existing;
    for (const fs::path& path : paths) {
        struct stat status {};
        if (::lstat(path.c_str(), &status) != 0) {
            continue;
        }
        if (S_ISDIR(status.st_mode)) {
            return core::Error::invalid(
                fmt::format("{} is a directory; choose another output path", path.string()));
        }
        existing.push_back(path);
    }
    if (!existing.empty() && !force) {
        return core::Error::invalid(
            fmt::format("{} already {}; use --force to replace {}", join_paths(existing),
                        existing.size() == 1 ? "exists" : "exist", existing.size() == 1 ? "it" : "them"));
    }
    return {};
}

core::Result<void> write_output_files(const std::vector<OutputFile>& files, bool force) {
    std::vector<fs::path> paths;
    for (const OutputFile& file : files) {
        paths.push_back(file.path);
    }
    if (auto checked = check_output_paths(paths, force); !checked) {
        return checked;
    }

    std::vector<fs::path> written;
    for (const OutputFile& file : files) {
        const mode_t mode = file.secret ? kSecretMode : kPublicMode;
        auto result = create_parent_directory(file.path);
        if (result) {
            result = force ? replace_file(file.path, file.content, mode)
                           : create_file(file.path, file.content, mode);
        }
        if (!result) {
            for (const fs::path& path : written) {
                ::unlink(path.c_str());
            }
            return result;
        }
        written.push_back(file.path);
    }
    return {};
}

core::Result<std::string> read_small_file(const fs::path& path, std::string_view what) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        return core::Error::invalid(
            fmt::format("reading the {} {} failed: {}", what, path.string(), std::strerror(errno)));
    }
    std::string content;
    char buffer[8192];
    while (true) {
        const ssize_t count = ::read(fd.get(), buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return core::Error::io(
                fmt::format("reading the {} {} failed: {}", what, path.string(), std::strerror(errno)));
        }
        if (count == 0) {
            return content;
        }
        content.append(buffer, static_cast<std::size_t>(count));
        if (content.size() > kMaxInputFileBytes) {
            return core::Error::invalid(
                fmt::format("the {} {} is larger than {} bytes", what, path.string(), kMaxInputFileBytes));
        }
    }
}

}  // namespace tollgate::pki
