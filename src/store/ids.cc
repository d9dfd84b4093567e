#include "store/ids.h"

#include "core/check.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>
#include <ctime>

namespace tollgate::store {
namespace {

std::array<unsigned char, 16> random_bytes() {
    std::array<unsigned char, 16> bytes{};
    // A failing CSPRNG leaves no safe way to make an id that must not be guessed.
    TG_CHECK(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1);
    return bytes;
}

}  // namespace

std::string new_uuid() {
    auto bytes = random_bytes();
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
    std::string text;
    text.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            text += '-';
        }
        text += fmt::format("{:02x}", bytes[i]);
    }
    return text;
}

std::string new_certificate_id() {
    std::string text;
    text.reserve(32);
    for (unsigned char byte : random_bytes()) {
        text += fmt::format("{:02x}", byte);
    }
    return text;
}

std::string format_timestamp(std::chrono::system_clock::time_point time) {
    // gmtime_r rather than fmt's time_point formatter, which uses local time before fmt 10.
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    TG_CHECK(::gmtime_r(&seconds, &utc) != nullptr);
    std::array<char, 32> text{};
    const std::size_t size = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(text.data(), size);
}

}  // namespace tollgate::store
