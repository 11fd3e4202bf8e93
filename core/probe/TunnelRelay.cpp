// SPDX-License-Identifier: GPL-3.0-or-later
#include "TunnelRelay.h"

#include <QTcpServer>
#include <QTcpSocket>

namespace certrotor {

namespace {
constexpr qsizetype kMaxHeader = 8192; // a CONNECT request from Qt is a few hundred bytes
}

TunnelRelay::TunnelRelay(QString host, quint16 port, QObject* parent)
    : QObject(parent), m_host(std::move(host)), m_port(port)
{
}

TunnelRelay::~TunnelRelay() = default; // sockets and server are children

bool TunnelRelay::listen()
{
    m_server = new QTcpServer(this);
    m_server->setMaxPendingConnections(1);
    connect(m_server, &QTcpServer::newConnection, this, &TunnelRelay::onNewConnection);
    if (!m_server->listen(QHostAddress::LocalHost, 0)) {
        m_error = QStringLiteral("cannot open the local relay for the server name override: ") + m_server->errorString();
        return false;
    }
    return true;
}

quint16 TunnelRelay::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

void TunnelRelay::onNewConnection()
{
    QTcpSocket* s = m_server->nextPendingConnection();
    if (!s)
        return;
    if (m_client) { // one probe, one connection: anything else is not ours
        s->abort();
        s->deleteLater();
        return;
    }
    m_server->close(); // no further connections
    m_client = s;
    m_client->setParent(this);
    m_client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_client, &QTcpSocket::readyRead, this, &TunnelRelay::onClientData);
    connect(m_client, &QTcpSocket::disconnected, this, &TunnelRelay::closeBoth);
}

void TunnelRelay::onClientData()
{
    if (m_tunnelOpen) {
        m_upstream->write(m_client->readAll());
        return;
    }
    if (m_upstream) { // waiting for the upstream connection: keep bytes buffered in the socket
        return;
    }
    m_header += m_client->read(kMaxHeader - m_header.size());
    const qsizetype end = m_header.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_header.size() >= kMaxHeader)
            closeBoth();
        return;
    }
    if (!m_header.startsWith("CONNECT ")) {
        m_client->write("HTTP/1.1 405 Method Not Allowed\r\n\r\n");
        m_client->disconnectFromHost();
        return;
    }
    m_header.remove(0, end + 4); // bytes after the header (none expected before our answer)
    m_upstream = new QTcpSocket(this);
    connect(m_upstream, &QTcpSocket::connected, this, &TunnelRelay::onUpstreamConnected);
    connect(m_upstream, &QTcpSocket::errorOccurred, this, &TunnelRelay::onUpstreamError);
    m_upstream->connectToHost(m_host, m_port);
}

void TunnelRelay::onUpstreamConnected()
{
    m_upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_upstream, &QTcpSocket::readyRead, this, [this] {
        if (m_client)
            m_client->write(m_upstream->readAll());
    });
    connect(m_upstream, &QTcpSocket::disconnected, this, &TunnelRelay::closeBoth);
    m_tunnelOpen = true;
    if (!m_header.isEmpty())
        m_upstream->write(m_header);
    m_header.clear();
    m_client->write("HTTP/1.1 200 Connection established\r\n\r\n");
    if (m_client->bytesAvailable() > 0)
        m_upstream->write(m_client->readAll());
}

void TunnelRelay::onUpstreamError(QAbstractSocket::SocketError error)
{
    if (m_tunnelOpen) { // a reset after the tunnel was up: pass the close on
        closeBoth();
        return;
    }
    m_upstreamFailed = true;
    m_upstreamError = error;
    m_error = m_upstream->errorString();
    if (m_client) {
        m_client->write("HTTP/1.1 502 Bad Gateway\r\n\r\n");
        m_client->disconnectFromHost();
    }
}

void TunnelRelay::closeBoth()
{
    if (m_upstream && m_upstream->state() != QAbstractSocket::UnconnectedState) {
        if (m_client && m_client->bytesAvailable() > 0)
            m_upstream->write(m_client->readAll());
        m_upstream->disconnectFromHost();
    }
    if (m_client && m_client->state() != QAbstractSocket::UnconnectedState) {
        if (m_upstream && m_upstream->bytesAvailable() > 0)
            m_client->write(m_upstream->readAll());
        m_client->disconnectFromHost();
    }
}

} // namespace certrotor
