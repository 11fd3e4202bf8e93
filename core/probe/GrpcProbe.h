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
/// Known limit: with --servername / ProbeTarget::serverName the SNI and the certificate name check
/// use that name, but the HTTP/2 :authority stays HOST:PORT, because Qt builds :authority from the
/// request URL and has no "connect to this address instead" switch.
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
};

} // namespace certrotor
