#pragma once

#include <uv.h>

#include <initializer_list>
#include <string>

#include "crawler/common/status.h"

namespace tincrawl {

// Initializes each timer on `loop` with `data` as its owner; counts each one initialized in
// `*open_handles` (the owner closes them all on shutdown).
inline Status InitTimers(uv_loop_t* loop, void* data, std::initializer_list<uv_timer_t*> timers,
                         int* open_handles) {
  for (uv_timer_t* t : timers) {
    const int rc = uv_timer_init(loop, t);
    if (rc != 0) return Status::Internal(std::string("uv_timer_init: ") + uv_strerror(rc));
    t->data = data;
    ++*open_handles;
  }
  return Status::Ok();
}

}  // namespace tincrawl
