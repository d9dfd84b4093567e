#pragma once

// An in-memory ELB v3 API behind the client's Transport interface, for tests of the API
// client and of apply. It stores objects per collection in creation order, returns
// references as the API does (a listener's load balancer as "loadbalancers": [{"id": ...}]),
// never returns private keys, records every request, and can fail a chosen request.

#include "client/transport.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::client::test {

using Json = nlohmann::ordered_json;

class FakeApi : public Transport {
public:
    // A failure to return in place of the response to the next request whose method is
    // `method` and whose target contains `target_part`.
    struct Failure {
        std::string method;
        std::string target_part;
        int status;
        std::string code;
        std::string message;
    };

    core::Result<HttpResponse> send(const HttpRequest& request) override {
        requests.push_back(request);
        for (auto failure = failures_.begin(); failure != failures_.end(); ++failure) {
            if (failure->method == request.method &&
                request.target.find(failure->target_part) != std::string::npos) {
                HttpResponse response = error(failure->status, failure->code, failure->message);
                failures_.erase(failure);
                return response;
            }
        }
        return handle(request);
    }

    void fail_next(Failure failure) { failures_.push_back(std::move(failure)); }

    // Adds an object as if a client had created it, and returns its id.
    std::string add(const std::string& collection, Json object) {
        std::string id = next_id(collection);
        object["id"] = id;
        store_object(collection, std::move(object));
        return id;
    }

    const std::vector<Json>& objects(const std::string& collection) { return collections_[collection]; }

    // Returns the object of `collection` named `name`, or null.
    Json find(const std::string& collection, const std::string& name) {
        for (const Json& object : collections_[collection]) {
            if (object.value("name", "") == name) {
                return object;
            }
        }
        return nullptr;
    }

    // Returns the methods and targets of the recorded requests, "POST /v3/...".
    std::vector<std::string> request_lines() const {
        std::vector<std::string> lines;
        for (const HttpRequest& request : requests) {
            lines.push_back(request.method + " " + request.target);
        }
        return lines;
    }

    // Returns the number of recorded requests with a method other than GET.
    int changes() const {
        int count = 0;
        for (const HttpRequest& request : requests) {
            count += request.method != "GET";
        }
        return count;
    }

    std::vector<HttpRequest> requests;
    int page_size = 2000;  // largest page returned, whatever limit the client asks for

private:
    static HttpResponse error(int status, const std::string& code, const std::string& message) {
        Json body = {{"error_msg", message}, {"error_code", code}, {"request_id", "fake-request"}};
        return HttpResponse{status, body.dump(), "fake-request"};
    }

    static HttpResponse json(int status, Json body) {
        body["request_id"] = "fake-request";
        return HttpResponse{status, body.dump(), "fake-request"};
    }

    static std::string singular(const std::string& collection) {
        return collection.substr(0, collection.size() - 1);
    }

    std::string next_id(const std::string& collection) {
        char id[40];
        ++counter_;
        if (collection == "certificates") {
            std::snprintf(id, sizeof id, "%032x", counter_);
        } else {
            std::snprintf(id, sizeof id, "00000000-0000-0000-0000-%012x", counter_);
        }
        return id;
    }

    // Stores the object the way the API returns it.
    void store_object(const std::string& collection, Json object) {
        object.erase("private_key");
        auto to_array = [&](const char* field, const char* array) {
            if (object.contains(field)) {
                object[array] = Json::array({{{"id", object[field]}}});
                object.erase(field);
            }
        };
        if (collection == "listeners") {
            to_array("loadbalancer_id", "loadbalancers");
            for (const char* field :
                 {"default_pool_id", "default_tls_container_ref", "client_ca_tls_container_ref"}) {
                if (!object.contains(field)) {
                    object[field] = nullptr;
                }
            }
        } else if (collection == "pools") {
            to_array("loadbalancer_id", "loadbalancers");
        } else if (collection == "healthmonitors") {
            to_array("pool_id", "pools");
        }
        collections_[collection].push_back(std::move(object));
    }

    Json* find_by_id(const std::string& collection, const std::string& id) {
        for (Json& object : collections_[collection]) {
            if (object["id"] == id) {
                return &object;
            }
        }
        return nullptr;
    }

    // Splits "/v3/project/elb/pools/P/members/M?limit=2000" into collection ("pools/P/members"),
    // id ("M") and query.
    static void split(const std::string& target, std::string& collection, std::string& id,
                      std::map<std::string, std::string>& query) {
        std::string path = target.substr(0, target.find('?'));
        if (auto mark = target.find('?'); mark != std::string::npos) {
            std::string rest = target.substr(mark + 1);
            while (!rest.empty()) {
                std::string pair = rest.substr(0, rest.find('&'));
                query[pair.substr(0, pair.find('='))] = pair.substr(pair.find('=') + 1);
                rest = rest.find('&') == std::string::npos ? "" : rest.substr(rest.find('&') + 1);
            }
        }
        std::vector<std::string> segments;
        for (std::size_t start = 1; start <= path.size();) {
            std::size_t end = path.find('/', start);
            end = end == std::string::npos ? path.size() : end;
            segments.push_back(path.substr(start, end - start));
            start = end + 1;
        }
        // v3, project, elb, then the collection and an optional id, or pools/P/members[/M].
        std::size_t depth = segments.size() >= 6 && segments[5] == "members" ? 6 : 4;
        for (std::size_t i = 3; i < std::min(depth, segments.size()); ++i) {
            collection += (collection.empty() ? "" : "/") + segments[i];
        }
        if (segments.size() > depth) {
            id = segments[depth];
        }
    }

    HttpResponse handle(const HttpRequest& request) {
        std::string collection, id;
        std::map<std::string, std::string> query;
        split(request.target, collection, id, query);
        std::string key = collection.substr(collection.rfind('/') + 1);

        if (request.method == "GET" && id.empty()) {
            return list(collection, key, query);
        }

        if (request.method == "POST" && id.empty()) {
            Json body = Json::parse(request.body);
            Json object = body[singular(key)];
            std::string created = next_id(key);
            object["id"] = created;
            store_object(collection, object);
            return json(201, {{singular(key), *find_by_id(collection, created)}});
        }

        Json* object = find_by_id(collection, id);
        if (object == nullptr) {
            return error(404, "ELB.8904", singular(key) + " " + id + " could not be found");
        }
        if (request.method == "GET") {
            return json(200, {{singular(key), *object}});
        }

        if (request.method == "PUT") {
            Json fields = Json::parse(request.body)[singular(key)];
            fields.erase("private_key");
            for (auto& [field, value] : fields.items()) {
                (*object)[field] = value;
            }
            return json(200, {{singular(key), *object}});
        }

        auto& objects = collections_[collection];
        std::erase_if(objects, [&](const Json& item) { return item["id"] == id; });
        return HttpResponse{204, "", "fake-request"};
    }

    HttpResponse list(const std::string& collection, const std::string& key,
                      const std::map<std::string, std::string>& query) {
        const auto& objects = collections_[collection];
        std::size_t start = 0;
        if (auto marker = query.find("marker"); marker != query.end()) {
            while (start < objects.size() && objects[start]["id"] != marker->second) {
                ++start;
            }
            ++start;
        }
        std::size_t limit = std::min<std::size_t>(std::stoul(query.at("limit")), page_size);
        Json page = Json::array();
        for (std::size_t i = start; i < objects.size() && page.size() < limit; ++i) {
            page.push_back(objects[i]);
        }
        Json page_info = {{"current_count", page.size()}};
        if (!page.empty() && start + page.size() < objects.size()) {
            page_info["next_marker"] = page.back()["id"];
        }
        return json(200, {{key, page}, {"page_info", page_info}});
    }

    std::map<std::string, std::vector<Json>> collections_;
    std::vector<Failure> failures_;
    unsigned counter_ = 0;
};

}  // namespace tollgate::client::test
