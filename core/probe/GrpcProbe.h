// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ProbeResult.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslError>
#include <QTimer>

class QNetworkAccessManager;
class QNetworkReply;
class QTcpSocket;

namespace certrotor {
class TunnelRelay;
}

namespace certrotor {

/// One grpc.health.v1.Health/Check call over HTTP/2 and TLS, with a client the product owns
/// (QNetworkAccessManager, no gRPC library), trusting exactly one bundle.
///
/// Every probe makes a fresh TCP connection and a full TLS handshake: it owns its own
/// QNetworkAccessManager (a shared one silently reuses a connection made with another CA list and
/// ignores the new one), and session tickets, session sharing and session persistence are off.
/// ALPN offers h2 only (Http2DirectAttribute sends no ALPN otherwise). The deadline is sent as
/// grpc-timeout and enforced here with a timer that aborts the call.
///
/// Asynchronous: start() returns at once; finished() is emitted exactly once (also after cancel()).
/// Lives on the thread that created it; never blocks it.
///
/// Server name override (ProbeTarget::serverName, for servers reached by address or through a tunnel):
/// SNI, the certificate name check and the HTTP/2 :authority all carry the server name. Qt builds
/// :authority from the URL and cannot connect to another address than the URL names, so the probe
/// asks for https://SERVERNAME:PORT through a private CONNECT relay on 127.0.0.1 (TunnelRelay) that
/// connects to HOST:PORT. TLS is still end to end between Qt and the server.
class GrpcProbe : public QObject
{
    Q_OBJECT
public:
    GrpcProbe(ProbeTarget target, ProbeOptions options, QObject* parent = nullptr);
    ~GrpcProbe() override;

    void start();
    /// Ends the probe early; finished() still comes, with "cancelled" as the error.
    void cancel();

    bool isRunning() const { return m_running; }
    bool isFinished() const { return m_finished; }
    const ProbeResult& result() const { return m_result; }

Q_SIGNALS:
    void finished(const certrotor::ProbeResult& result);

private:
    void onSocketStartedConnecting();
    void tuneSocket();
    void onEncrypted();
    void onSslErrors(const QList<QSslError>& errors);
    void onReplyFinished();
    void onDeadline();
    void capturePeer();
    void findAnchor();
    void analyse();
    void diagnoseTcp(const QString& tlsMessage);
    void finish();
    double elapsedMs() const { return double(m_clock.nsecsElapsed()) / 1e6; }

    ProbeOptions m_options;
    ProbeResult m_result;
    QNetworkAccessManager* m_manager = nullptr;
    QPointer<QNetworkReply> m_reply;
    QTcpSocket* m_diagnostic = nullptr;
    TunnelRelay* m_relay = nullptr; // only with a server name override
    QTimer m_deadline;
    QElapsedTimer m_clock;
    double m_startedConnectingAt = -1;
    double m_encryptedAt = -1;
    QList<QSslError> m_sslErrors;
    bool m_running = false;
    bool m_finished = false;
    bool m_deadlineHit = false;
    bool m_cancelled = false;
    bool m_alpnRefused = false;
    bool m_nagleOff = false;
    int m_tuneAttempts = 0;
};

} // namespace certrotor
