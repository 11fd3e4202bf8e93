// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractSocket>
#include <QByteArray>
#include <QObject>
#include <QString>

class QTcpServer;
class QTcpSocket;

namespace certrotor {

/// A one-connection HTTP CONNECT relay on 127.0.0.1, private to one probe. It lets a probe reach
/// HOST:PORT while Qt believes it talks to SERVERNAME:PORT, so the TLS SNI, the certificate name
/// check *and* the HTTP/2 :authority all carry the server name (Qt builds :authority from the URL and
/// cannot be told to connect elsewhere). Qt's proxy support tunnels the TLS connection through
/// CONNECT; the relay only copies bytes, it never sees plaintext.
///
/// It accepts exactly one connection, answers the CONNECT once the upstream TCP connection is up,
/// and records an upstream failure so the probe can report it as a connect failure.
class TunnelRelay : public QObject
{
    Q_OBJECT
public:
    TunnelRelay(QString host, quint16 port, QObject* parent = nullptr);
    ~TunnelRelay() override;

    /// Listens on 127.0.0.1 (a free port). False, with error(), when it cannot.
    bool listen();
    quint16 port() const;

    bool upstreamFailed() const { return m_upstreamFailed; }
    QAbstractSocket::SocketError upstreamError() const { return m_upstreamError; }
    QString error() const { return m_error; }

private:
    void onNewConnection();
    void onClientData();
    void onUpstreamConnected();
    void onUpstreamError(QAbstractSocket::SocketError error);
    void closeBoth();

    QString m_host;
    quint16 m_port = 0;
    QTcpServer* m_server = nullptr;
    QTcpSocket* m_client = nullptr;
    QTcpSocket* m_upstream = nullptr;
    QByteArray m_header;
    bool m_tunnelOpen = false;
    bool m_upstreamFailed = false;
    QAbstractSocket::SocketError m_upstreamError = QAbstractSocket::UnknownSocketError;
    QString m_error;
};

} // namespace certrotor
