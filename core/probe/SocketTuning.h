// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>

namespace certrotor {

struct NagleResult
{
    int turnedOff = 0; // sockets to the peer that had Nagle on and now have TCP_NODELAY
    int alreadyOff = 0; // sockets to the peer that had TCP_NODELAY already (another probe's scan)
};

/// Turns Nagle's algorithm off (TCP_NODELAY) on this process's TCP sockets connected to `port` on
/// `peerAddress` (any address when null).
///
/// Why: Qt's HTTP connections never set TCP_NODELAY (Qt 6.4, qhttpnetworkconnectionchannel.cpp leaves
/// it commented out) and QNetworkAccessManager gives no access to its socket. A probe writes its
/// HTTP/2 preface, HEADERS and DATA right after the TLS Finished message; with Nagle on, that write
/// waits for the ACK of the Finished message, and when the server's ACK is delayed the call stalls for
/// the 40 ms delayed-ACK timer (seen as 40+ ms p99 probe latency). gRPC clients set TCP_NODELAY.
///
/// The sockets are found by their peer in /proc/self/fd; setting the option on a socket owned by
/// another thread is safe (one setsockopt call). Linux only; elsewhere it does nothing and finds nothing.
/// Other probes' sockets to the same peer get the option too, which is what they want as well.
NagleResult disableNagleForPeer(const QHostAddress& peerAddress, quint16 port);

} // namespace certrotor
