#include "api/auth.h"

#include "api/errors.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace tollgate::api {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kTokenHexLength = kTokenBytes * 2;

// Closes a file descriptor when it goes out of scope.
struct FileDescriptor {
    int fd = -1;
    ~FileDescriptor() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

bool is_token(std::string_view text) {
    return text.size() == kTokenHexLength && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

core::Result<std::string> read_token(const std::filesystem::path& path) {
    FileDescriptor file{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (file.fd < 0) {
        return core::Error::io(
            fmt::format("cannot open the admin token file {}: {}", path.string(), errno_text(errno)));
    }
    struct stat status {};
    if (::fstat(file.fd, &status) != 0) {
        return core::Error::io(
            fmt::format("cannot stat the admin token file {}: {}", path.string(), errno_text(errno)));
    }
    if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return core::Error::invalid(
            fmt::format("{} has group or other permissions (mode {:04o}); run chmod 600 {}", path.string(),
                        status.st_mode & 07777, path.string()));
    }

    std::array<char, kTokenHexLength + 2> buffer{};
    ssize_t count = ::read(file.fd, buffer.data(), buffer.size());
    if (count < 0) {
        return core::Error::io(
            fmt::format("cannot read the admin token file {}: {}", path.string(), errno_text(errno)));
    }
    std::string_view text(buffer.data(), static_cast<std::size_t>(count));
    if (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    }
    if (!is_token(text)) {
        return core::Error::invalid(
            fmt::format("the admin token file {} does not contain 64 lowercase hex characters; delete it to "
                        "generate a new token",
                        path.string()));
    }
    return std::string(text);
}

// Creates the file with O_EXCL, so a file created meanwhile by another process is kept.
// Returns an empty string when the file already exists.
core::Result<std::string> create_token(const std::filesystem::path& path) {
    FileDescriptor file{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
    if (file.fd < 0) {
        if (errno == EEXIST) {
            return std::string();
        }
        return core::Error::io(
            fmt::format("cannot create the admin token file {}: {}", path.string(), errno_text(errno)));
    }
    std::array<unsigned char, kTokenBytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        ::unlink(path.c_str());
        return core::Error::internal("RAND_bytes failed to generate the admin token");
    }
    std::string token =
        hex_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    std::string line = token + "\n";
    bool written = ::write(file.fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                   ::fsync(file.fd) == 0;
    if (!written) {
        int error = errno;
        ::unlink(path.c_str());
        return core::Error::io(
            fmt::format("cannot write the admin token file {}: {}", path.string(), errno_text(error)));
    }
    return token;
}

}  // namespace

core::Result<AdminToken> AdminToken::load_or_create(const std::filesystem::path& data_dir) {
    // Same rule as the store: a missing data directory is created with mode 0700, and its
    // parent must exist. An existing directory keeps its mode.
    if (::mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return core::Error::io(
            fmt::format("cannot create the data directory {}: {}", data_dir.string(), errno_text(errno)));
    }
    const auto path = data_dir / kFileName;
    auto created = create_token(path);
    if (!created) {
        return created.error();
    }
    if (!created->empty()) {
        return AdminToken(std::move(*created));
    }
    auto existing = read_token(path);
    if (!existing) {
        return existing.error();
    }
    return AdminToken(std::move(*existing));
}

bool AdminToken::matches(std::string_view presented) const {
    // The length is public (always 64), so checking it first reveals nothing about the content.
    if (presented.size() != token_.size()) {
        return false;
    }
    return CRYPTO_memcmp(presented.data(), token_.data(), token_.size()) == 0;
}

}  // namespace tollgate::api
