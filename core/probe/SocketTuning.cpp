// SPDX-License-Identifier: GPL-3.0-or-later
#include "SocketTuning.h"

#ifdef Q_OS_LINUX
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>
#endif

namespace certrotor {

NagleResult disableNagleForPeer(const QHostAddress& peerAddress, quint16 port)
{
    NagleResult result;
#ifdef Q_OS_LINUX
    DIR* dir = opendir("/proc/self/fd");
    if (!dir)
        return result;
    const int self = dirfd(dir);
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        const int fd = int(std::strtol(entry->d_name, nullptr, 10));
        if (fd == self)
            continue;
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0)
            continue; // not a socket, or not connected
        QHostAddress address;
        quint16 peerPort = 0;
        if (peer.ss_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(&peer);
            address.setAddress(ntohl(in->sin_addr.s_addr));
            peerPort = ntohs(in->sin_port);
        } else if (peer.ss_family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&peer);
            address.setAddress(in6->sin6_addr.s6_addr);
            peerPort = ntohs(in6->sin6_port);
        } else {
            continue;
        }
        if (peerPort != port || (!peerAddress.isNull() && !address.isEqual(peerAddress, QHostAddress::TolerantConversion)))
            continue;
        int type = 0;
        socklen_t typeLength = sizeof type;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) != 0 || type != SOCK_STREAM)
            continue;
        int noDelay = 0;
        socklen_t noDelayLength = sizeof noDelay;
        if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &noDelay, &noDelayLength) != 0)
            continue;
        if (noDelay != 0) {
            ++result.alreadyOff;
            continue;
        }
        noDelay = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &noDelay, sizeof noDelay) == 0)
            ++result.turnedOff;
    }
    closedir(dir);
    return result;
#else
    Q_UNUSED(peerAddress);
    Q_UNUSED(port);
    return result;
#endif
}

} // namespace certrotor
