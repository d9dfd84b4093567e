#include "control/crud.h"
#include "control/routes.h"
#include "control/status_tree.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <optional>
#include <string>

namespace tollgate::control {
namespace {

using nlohmann::json;

const json& member_defaults() {
    static const json defaults{
        {"address", nullptr},
        {"protocol_port", nullptr},
        {"weight", 1},
        {"admin_state_up", true},
        {"subnet_cidr_id", nullptr},
        {"availability_zone", ""},
        {"member_type", "ip"},
        {"instance_id", ""},
        {"operating_status", "NO_MONITOR"},
        {"provisioning_status", "ACTIVE"},
        {"status", json::array()},
        {"reason", nullptr},
    };
    return defaults;
}

json member_view(const store::Document& document, const DataPlane& data_plane) {
    json view = standard_view(document, member_defaults());
    view["pool_id"] = document.parent_id ? json(*document.parent_id) : json(nullptr);
    const json& address = view["address"];
    view["ip_version"] =
        address.is_string() && address.get_ref<const std::string&>().find(':') != std::string::npos ? "v6"
                                                                                                    : "v4";
    const json& port = view["protocol_port"];
    if (document.parent_id && address.is_string() && port.is_number_unsigned() &&
        port.get<std::uint64_t>() <= 65535) {
        add_member_health(view,
                          data_plane.member_health(*document.parent_id, address.get<std::string>(),
                                                   static_cast<std::uint16_t>(port.get<std::uint64_t>())));
    }
    return view;
}

// Returns the address as bytes, so that "::1" and "0:0::1" compare equal; nullopt when it is
// not an IP literal, which the configuration loader reports.
std::optional<std::array<unsigned char, 17>> address_bytes(const json& address) {
    if (!address.is_string()) {
        return std::nullopt;
    }
    std::array<unsigned char, 17> bytes{};
    const std::string& text = address.get_ref<const std::string&>();
    if (::inet_pton(AF_INET, text.c_str(), bytes.data() + 1) == 1) {
        bytes[0] = 4;
        return bytes;
    }
    if (::inet_pton(AF_INET6, text.c_str(), bytes.data() + 1) == 1) {
        bytes[0] = 6;
        return bytes;
    }
    return std::nullopt;
}

// Rejects a member whose address and port another member of the pool has. The configuration
// loader finds the same clash, but reports it on the member stored later, which is not the
// one that changed when an earlier member is updated.
api::ApiResult<void> check_unique_backend(store::Transaction& transaction, const store::Document& member,
                                          json& body, const json*) {
    auto address = address_bytes(body.value("address", json(nullptr)));
    const json port = body.value("protocol_port", json(nullptr));
    if (!address || !port.is_number_integer()) {
        return {};
    }
    store::ListQuery query{
        .parent_id = member.parent_id,
        .filter =
            [&](const store::Document& other) {
                if (other.id == member.id) {
                    return false;
                }
                json other_body = json::parse(other.body, nullptr, false);
                return other_body.is_object() && other_body.value("protocol_port", json(nullptr)) == port &&
                       address_bytes(other_body.value("address", json(nullptr))) == address;
            },
    };
    auto clash = transaction.list("member", member.project_id, query);
    if (!clash) {
        return store_error(clash.error());
    }
    if (clash->documents.empty()) {
        return {};
    }
    const std::string& text = body["address"].get_ref<const std::string&>();
    const std::string endpoint = (*address)[0] == 6 ? fmt::format("[{}]:{}", text, port.dump())
                                                    : fmt::format("{}:{}", text, port.dump());
    return api::ApiError::conflict(fmt::format(
        "member.address: duplicate member \"{}\": use another address or protocol_port, because member "
        "{} of pool {} already has them",
        endpoint, clash->documents.front().id, member.parent_id.value_or("")));
}

}  // namespace

void add_member_routes(api::Router& router, ControlPlane& plane) {
    add_crud_routes(router, plane,
                    CrudSpec{
                        .kind = &member_kind(),
                        .collection_path = std::string(kApiPrefix) + "/pools/{pool_id}/members",
                        .id_param = "member_id",
                        .parent_param = "pool_id",
                        .parent_kind = &pool_kind(),
                        .flat_list_path = std::string(kApiPrefix) + "/members",
                        .view =
                            [&plane](const store::Document& document) {
                                return member_view(document, plane.data_plane());
                            },
                        .prepare = check_unique_backend,
                        .label =
                            [](const store::Document& document) {
                                return fmt::format("pools[{}].members[{}]", document.parent_id.value_or(""),
                                                   document.id);
                            },
                    });
}

}  // namespace tollgate::control
