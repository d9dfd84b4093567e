#include "client/table.h"

#include <algorithm>

namespace tollgate::client {
namespace {

// A list column: the header and JSON pointers to try in order. The ELB API returns some
// references as arrays ("loadbalancers": [{"id": ...}]) where the request had a field.
struct Column {
    std::string header;
    std::vector<std::string> pointers;
    bool count = false;  // show the number of elements of an array
};

const std::vector<Column>& columns_of(Kind kind) {
    static const std::vector<Column> kCertificate = {
        {"ID", {"/id"}},
        {"NAME", {"/name"}},
        {"TYPE", {"/type"}},
        {"COMMON_NAME", {"/common_name"}},
        {"EXPIRE_TIME", {"/expire_time"}},
    };
    static const std::vector<Column> kLoadBalancer = {
        {"ID", {"/id"}},
        {"NAME", {"/name"}},
        {"VIP_ADDRESS", {"/vip_address"}},
        {"LISTENERS", {"/listeners"}, true},
        {"PROVISIONING_STATUS", {"/provisioning_status"}},
    };
    static const std::vector<Column> kListener = {
        {"ID", {"/id"}},
        {"NAME", {"/name"}},
        {"PROTOCOL", {"/protocol"}},
        {"PROTOCOL_PORT", {"/protocol_port"}},
        {"LOADBALANCER", {"/loadbalancer_id", "/loadbalancers/0/id"}},
        {"DEFAULT_POOL", {"/default_pool_id"}},
        {"CLIENT_AUTHENTICATION", {"/client_authentication"}},
    };
    static const std::vector<Column> kPool = {
        {"ID", {"/id"}},
        {"NAME", {"/name"}},
        {"PROTOCOL", {"/protocol"}},
        {"LB_ALGORITHM", {"/lb_algorithm"}},
        {"MEMBERS", {"/members"}, true},
        {"HEALTHMONITOR", {"/healthmonitor_id"}},
    };
    // OPERATING_STATUS is the live health (ONLINE, OFFLINE, NO_MONITOR), and REASON is the
    // reason_code of an OFFLINE member.
    static const std::vector<Column> kMember = {
        {"ID", {"/id"}},
        {"NAME", {"/name"}},
        {"ADDRESS", {"/address"}},
        {"PROTOCOL_PORT", {"/protocol_port"}},
        {"WEIGHT", {"/weight"}},
        {"OPERATING_STATUS", {"/operating_status"}},
        {"REASON", {"/reason/reason_code"}},
    };
    static const std::vector<Column> kHealthMonitor = {
        {"ID", {"/id"}},
        {"NAME", {"/name"}},
        {"TYPE", {"/type"}},
        {"DELAY", {"/delay"}},
        {"TIMEOUT", {"/timeout"}},
        {"MAX_RETRIES", {"/max_retries"}},
        {"POOL", {"/pool_id", "/pools/0/id"}},
    };
    switch (kind) {
        case Kind::Certificate:
            return kCertificate;
        case Kind::LoadBalancer:
            return kLoadBalancer;
        case Kind::Listener:
            return kListener;
        case Kind::Pool:
            return kPool;
        case Kind::Member:
            return kMember;
        case Kind::HealthMonitor:
            return kHealthMonitor;
    }
    return kCertificate;
}

std::size_t display_width(const std::string& text) {
    // UTF-8 continuation bytes (10xxxxxx) do not start a character.
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

std::string sanitize(const std::string& text) {
    std::string out = text;
    for (char& c : out) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            c = '?';
        }
    }
    return out;
}

bool is_reference_list(const Json& value) {
    return std::all_of(value.begin(), value.end(), [](const Json& item) {
        return item.is_object() && item.size() == 1 && item.contains("id");
    });
}

std::string column_value(const Json& object, const Column& column) {
    for (const std::string& pointer : column.pointers) {
        Json::json_pointer path(pointer);
        if (!object.contains(path) || object.at(path).is_null()) {
            continue;
        }
        const Json& value = object.at(path);
        if (column.count && value.is_array()) {
            return std::to_string(value.size());
        }
        return format_cell(value);
    }
    return "-";
}

std::size_t count_pem_blocks(const std::string& text) {
    std::size_t count = 0;
    for (std::size_t at = text.find("-----BEGIN "); at != std::string::npos;
         at = text.find("-----BEGIN ", at + 1)) {
        ++count;
    }
    return count;
}

void add_object_rows(const std::string& prefix, const Json& object,
                     std::vector<std::vector<std::string>>& rows) {
    for (const auto& [key, value] : object.items()) {
        std::string field = prefix.empty() ? key : prefix + "." + key;
        if (value.is_object() && !value.empty()) {
            add_object_rows(field, value, rows);
        } else if (value.is_string() && value.get<std::string>().find("-----BEGIN ") != std::string::npos) {
            std::size_t blocks = count_pem_blocks(value.get<std::string>());
            rows.push_back({field, "PEM, " + std::to_string(blocks) + (blocks == 1 ? " block" : " blocks") +
                                       " (-o json prints the text)"});
        } else {
            rows.push_back({field, format_cell(value)});
        }
    }
}

}  // namespace

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()), 0);
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line.append(widths[i] - display_width(row[i]) + 2, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line + "\n";
    }
    return out;
}

std::string format_cell(const Json& value) {
    if (value.is_null()) {
        return "-";
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        return text.empty() ? "-" : sanitize(text);
    }
    if (value.is_array()) {
        if (value.empty()) {
            return "-";
        }
        if (is_reference_list(value)) {
            std::string ids;
            for (const Json& item : value) {
                ids += (ids.empty() ? "" : ",") + format_cell(item["id"]);
            }
            return ids;
        }
        return sanitize(value.dump());
    }
    if (value.is_object()) {
        return value.empty() ? "-" : sanitize(value.dump());
    }
    return value.dump();
}

std::string format_list(Kind kind, const std::vector<Json>& objects) {
    const auto& columns = columns_of(kind);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header;
    for (const Column& column : columns) {
        header.push_back(column.header);
    }
    rows.push_back(std::move(header));
    for (const Json& object : objects) {
        std::vector<std::string> row;
        for (const Column& column : columns) {
            row.push_back(column_value(object, column));
        }
        rows.push_back(std::move(row));
    }
    return format_table(rows);
}

std::string format_object(const Json& object) {
    std::vector<std::vector<std::string>> rows = {{"FIELD", "VALUE"}};
    add_object_rows("", object, rows);
    return format_table(rows);
}

}  // namespace tollgate::client
