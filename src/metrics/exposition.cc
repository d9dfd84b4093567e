#include "metrics/exposition.h"

#include <fmt/format.h>

#include <cmath>

namespace tollgate::metrics {
namespace {

void append_escaped(std::string& out, std::string_view value, bool quote_too) {
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && quote_too) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

// Formats a sample value: integers without a fraction, others in the shortest form that
// reads back the same.
std::string number(double value) {
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    if (std::isnan(value)) {
        return "NaN";
    }
    return fmt::format("{}", value);
}

}  // namespace

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
    text_ += fmt::format("# HELP {} ", name);
    append_escaped(text_, help, false);
    text_ += fmt::format("\n# TYPE {} {}\n", name, type);
}

void PrometheusText::write_labels(const Labels& labels, std::string_view extra_name,
                                  std::string_view extra_value) {
    if (labels.empty() && extra_name.empty()) {
        return;
    }
    text_ += '{';
    bool first = true;
    auto write = [&](std::string_view label, std::string_view value) {
        if (!first) {
            text_ += ',';
        }
        first = false;
        text_ += label;
        text_ += "=\"";
        append_escaped(text_, value, true);
        text_ += '"';
    };
    for (const auto& [label, value] : labels) {
        write(label, value);
    }
    if (!extra_name.empty()) {
        write(extra_name, extra_value);
    }
    text_ += '}';
}

void PrometheusText::sample(std::string_view name, const Labels& labels, double value) {
    text_ += name;
    write_labels(labels);
    text_ += ' ';
    text_ += number(value);
    text_ += '\n';
}

void PrometheusText::sample(std::string_view name, const Labels& labels, std::uint64_t value) {
    text_ += name;
    write_labels(labels);
    text_ += fmt::format(" {}\n", value);
}

void PrometheusText::sample(std::string_view name, const Labels& labels, std::int64_t value) {
    text_ += name;
    write_labels(labels);
    text_ += fmt::format(" {}\n", value);
}

void PrometheusText::histogram(std::string_view name, const Labels& labels, const HistogramValues& values) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < values.buckets.size(); ++i) {
        cumulative += values.buckets[i];
        const std::string bound = i < kLatencyBounds.size() ? number(kLatencyBounds[i]) : "+Inf";
        text_ += fmt::format("{}_bucket", name);
        write_labels(labels, "le", bound);
        text_ += fmt::format(" {}\n", cumulative);
    }
    sample(fmt::format("{}_sum", name), labels, values.sum_seconds);
    // The count is the +Inf bucket, so that the two agree even when a worker was between its
    // bucket and its count while the scrape read them.
    sample(fmt::format("{}_count", name), labels, cumulative);
}

}  // namespace tollgate::metrics
