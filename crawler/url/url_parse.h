#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tincrawl {

// A URL record of the WHATWG URL Standard (section 4.1), as the basic URL parser leaves it:
// every component already percent-encoded and the host serialized, so Href() is the URL a
// browser would request. Plain value type.
struct WebUrl {
  std::string scheme;  // Lower-case, without ':'.
  std::string username;
  std::string password;
  std::optional<std::string> host;  // Serialized ("a.vn", "10.0.0.1", "[::1]"); null: no host.
  std::optional<uint16_t> port;     // Null when absent or the scheme's default port.
  std::vector<std::string> path;    // Segments, unless has_opaque_path.
  std::string opaque_path;          // "mailto:x@y" -> "x@y".
  bool has_opaque_path = false;
  std::optional<std::string> query;     // Without '?'; "" for "http://a/?".
  std::optional<std::string> fragment;  // Without '#'.

  // http, https, ws, wss, ftp and file.
  bool IsSpecial() const;
  // "/a/b" (or the opaque path).
  std::string PathString() const;
  // The URL serializer (section 4.5); `with_fragment` false leaves "#..." out.
  std::string Href(bool with_fragment = true) const;
};

// The basic URL parser (section 4.4) without state override: leading and trailing C0 controls
// and spaces are stripped, tabs and newlines removed, then `input` is parsed on its own or,
// when it is relative, against `base`. Returns nullopt on failure (relative input without a
// usable base, invalid host or port, ...). The input is read as UTF-8 bytes; bytes that are not
// ASCII are percent-encoded as they are. Limitation: "file:" URLs (on their own or as the base)
// are refused, since the crawler never fetches them.
std::optional<WebUrl> ParseWebUrl(std::string_view input, const WebUrl* base = nullptr);

// The default port of a special scheme ("http" -> 80), nullopt for others (and "file").
std::optional<uint16_t> DefaultPort(std::string_view scheme);

}  // namespace tincrawl
