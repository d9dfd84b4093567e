#pragma once

// Typed access to the fields of one YAML mapping for the configuration loader. Every problem
// becomes a ConfigError and reading goes on, so one pass reports all of them. Internal to
// src/model: other folders use config_loader.h.

#include "model/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate::model {

// Renders a node for an error message: the scalar text, `null`, or a flow-style sketch of a
// list or mapping cut at about `max_chars`. Aliases can make a node tree exponentially
// large, so the rendering stops once it has used its budget.
std::string render_node(const YAML::Node& node, std::size_t max_chars = 60);

// Cuts `text` to about `max_chars` on a UTF-8 character boundary and marks the cut with "...".
std::string shorten(std::string text, std::size_t max_chars = 60);

// Returns the candidate closest to `word` by edit distance, ignoring letter case, or an
// empty string when none is within about a third of the word's length.
std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);

// Returns "did you mean "x"?" for the closest candidate, else `otherwise`.
std::string suggest(std::string_view word, std::span<const std::string_view> candidates,
                    std::string otherwise);

// Joins words as "a, b or c".
std::string join_choices(std::span<const std::string_view> words, std::string_view last_separator = " or ");

// Returns the length of a UTF-8 string in code points.
std::size_t utf8_length(std::string_view text);

// A parsed IPv4 or IPv6 literal, comparable byte by byte.
struct IpAddress {
    bool is_v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // the first 4 bytes for IPv4

    bool is_unspecified() const;  // 0.0.0.0 or ::
    bool operator==(const IpAddress&) const = default;
};

// Parses an IPv4 or IPv6 literal with inet_pton; nullopt when `text` is neither.
std::optional<IpAddress> parse_ip_address(const std::string& text);

// A file read whole, or the reason it could not be read.
struct FileContent {
    std::string data;
    std::string problem;  // empty on success, else "file not found", "file too large", ...
    std::string fix;      // what the user can do about `problem`
};

// Reads the regular file at `path` if it has at most `max_bytes` bytes.
FileContent read_file(const std::filesystem::path& path, std::size_t max_bytes);

// Formats "address:port", with IPv6 addresses in brackets.
std::string format_endpoint(std::string_view address, std::uint16_t port);

// Reads the fields of one mapping. Every key asked for, read or ignored becomes a known
// field, and finish() reports the others as unknown, with the closest known field as a hint.
// A null value counts as absent, so `default_pool_id: null` clears the reference as the API
// does. YAML merge keys (`<<: *defaults`) are expanded first.
class FieldReader {
public:
    // `mapping` must be a YAML map. `field_prefix` is put before every field name, such as
    // "insert_headers." for the keys of a nested object.
    FieldReader(const YAML::Node& mapping, std::string resource, std::vector<ConfigError>& errors,
                std::string field_prefix = "");

    const std::string& resource() const { return resource_; }
    void set_resource(std::string resource) { resource_ = std::move(resource); }
    std::vector<ConfigError>& errors() { return errors_; }

    // Returns the value of `key` and marks the key known; nullopt when the key is absent or
    // its value is null.
    std::optional<YAML::Node> get(std::string_view key);
    bool has(std::string_view key) { return get(key).has_value(); }

    // Reports `key` as missing unless it has a value. Returns whether it has one.
    bool require(std::string_view key, std::string fix);

    // Readers of typed values: nullopt when absent, and after reporting an invalid value.
    std::optional<std::string> scalar(std::string_view key, std::string_view fix_for_wrong_type);
    std::optional<bool> boolean(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);

    // Reads one of `choices` ({text, value} pairs). Any other value is reported as invalid.
    template <typename T>
    std::optional<T> choice(std::string_view key, std::span<const std::pair<std::string_view, T>> choices);

    // Reads a string of at most `max_length` code points: names and descriptions.
    std::optional<std::string> text(std::string_view key, std::size_t max_length = 255);

    // Reads a list or a mapping; a value of another type is reported.
    std::optional<YAML::Node> sequence(std::string_view key, std::string_view fix_for_wrong_type);
    std::optional<YAML::Node> mapping(std::string_view key, std::string_view fix_for_wrong_type);

    // Marks fields that are accepted and ignored, such as cloud-only fields of the ELB API.
    void ignore(std::initializer_list<std::string_view> keys);

    // Reports every key that no call above asked for, and keys given twice.
    void finish();

    // Records an error on `key` of this resource.
    void error(std::string_view key, std::string problem, std::optional<std::string> value, std::string fix);
    void invalid(std::string_view key, std::string value, std::string fix) {
        error(key, "invalid value", std::move(value), std::move(fix));
    }

private:
    std::string field_name(std::string_view key) const { return field_prefix_ + std::string(key); }

    YAML::Node mapping_;
    std::string resource_;
    std::vector<ConfigError>& errors_;
    std::string field_prefix_;
    std::vector<std::string> known_;  // every key asked for
};

template <typename T>
std::optional<T> FieldReader::choice(std::string_view key,
                                     std::span<const std::pair<std::string_view, T>> choices) {
    std::vector<std::string_view> names;
    for (const auto& [name, value] : choices) {
        names.push_back(name);
    }
    auto text = scalar(key, "use " + join_choices(names));
    if (!text) {
        return std::nullopt;
    }
    for (const auto& [name, value] : choices) {
        if (*text == name) {
            return value;
        }
    }
    invalid(key, shorten(*text), "use " + join_choices(names));
    return std::nullopt;
}

}  // namespace tollgate::model
