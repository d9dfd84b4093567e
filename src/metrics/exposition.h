#pragma once

#include "metrics/counters.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate::metrics {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// Writes the Prometheus text exposition format, version 0.0.4: a HELP and a TYPE line per
// metric family, then its samples. Label values are escaped as the format requires.
class PrometheusText {
public:
    // Starts a family. `type` is "counter", "gauge" or "histogram".
    void family(std::string_view name, std::string_view type, std::string_view help);

    void sample(std::string_view name, const Labels& labels, double value);
    void sample(std::string_view name, const Labels& labels, std::uint64_t value);
    void sample(std::string_view name, const Labels& labels, std::int64_t value);

    // Writes the _bucket (cumulative, with le), _sum and _count samples of `name`. The count
    // is the +Inf bucket's value.
    void histogram(std::string_view name, const Labels& labels, const HistogramValues& values);

    const std::string& text() const { return text_; }

private:
    void write_labels(const Labels& labels, std::string_view extra_name = {},
                      std::string_view extra_value = {});

    std::string text_;
};

// The Content-Type of the text format.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace tollgate::metrics
