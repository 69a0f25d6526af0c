#pragma once

// Marks the requests a thread sends as writes that must not reach a marketplace twice.
namespace uoms::net {

// While one is alive, the requests the curl clients of this thread send change something at
// the marketplace that must not happen twice (a tracking number handed to a shipment). Once
// such a request may have reached the server — a timeout or a reset after sending, a 5xx, an
// answer cut short — the client does not send it again: it returns what it got, and the
// caller settles the outcome by reading the marketplace back (core/writeback.cpp). Throttling
// (429, or the kind's own throttle answer) and a connection that never opened are still
// retried, since nothing arrived. Per thread, like thread_request_counts(): a channel's
// write-back runs on one thread, and scopes nest.
class WriteOnce
{
public:
  WriteOnce();
  ~WriteOnce();
  WriteOnce(const WriteOnce&) = delete;
  WriteOnce& operator=(const WriteOnce&) = delete;

  // Whether a scope is alive on this thread.
  static bool active();

private:
  bool m_outer;
};

} // namespace uoms::net
