#pragma once

// Internals shared by the HTTP client's sources (http_client.cpp: queues, robots.txt, delivery;
// http_client_redirect.cpp: rate-limit retries and cross-host redirects). Not part of its API.

#include <string>

namespace tincrawl {
namespace http_client_internal {

// The parts of an http(s) URL the client keys its queues and robots.txt cache by.
struct UrlParts {
  std::string host;    // Lower-case, without brackets.
  std::string origin;  // scheme://host:port
  std::string path;    // Path plus ?query.
};

// Parses an absolute http or https URL; false for anything else.
bool ParseUrl(const std::string& text, UrlParts* parts);

}  // namespace http_client_internal
}  // namespace tincrawl
