// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ClientIdentity.h"
#include "probe/GrpcWire.h"
#include "util/Result.h"
#include "x509/Certificate.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QSslCertificate>
#include <QString>

namespace certrotor {

/// Where a probe goes: HOST:PORT, plus what to call it on the wire.
struct ProbeTarget
{
    QString host; // name, IPv4 or IPv6 (without brackets)
    quint16 port = 0;
    /// SNI, the name the server certificate must match and the HTTP/2 :authority, for servers
    /// reached by IP or through a tunnel. Empty: the host. (See GrpcProbe.h for how.)
    QString serverName;
    QString service; // the health service asked about; "" = the server as a whole

    /// "HOST:PORT" or "[v6]:PORT".
    QString address() const;
    /// The name the certificate is checked against.
    QString verifyName() const { return serverName.isEmpty() ? host : serverName; }

    /// Parses "host:port", "1.2.3.4:443", "[::1]:50051". The port is required.
    static Result<ProbeTarget> parse(const QString& text);
};

/// What a probe trusts and sends. One options value can drive many probes.
struct ProbeOptions
{
    QString bundleName = QStringLiteral("candidate"); // how results and verdicts name the bundle
    QList<Certificate> bundle; // the ONLY certificates trusted (unless useSystemCas)
    /// The complete list Qt should trust (`bundle`, plus the system store when useSystemCas), already
    /// converted, when the caller runs many probes with one bundle: ProbePlan builds it once per
    /// bundle, so a 50-target plan does not parse the bundle (or read the system store) 50 times on
    /// the caller's thread. Empty: the probe builds it (see trustedQtCertificates()).
    QList<QSslCertificate> preparedCas;
    /// bundleSha256(bundle), when the caller already computed it (ProbePlan does, once per bundle).
    QString preparedBundleSha256;
    bool useSystemCas = false;
    int timeoutMs = 5000; // the deadline: sent as grpc-timeout and enforced on the client
    ClientIdentity clientIdentity; // mTLS, when not null
    bool sendClientCertificateHeader = false; // x-client-certificate: base64 DER of the client leaf
};

/// What a probe with these options trusts, as Qt certificates: the bundle, plus the system store
/// when asked. The system store is read once per process (about 170 ms for ~150 roots here) and
/// cached, since it does not change while a rotation is being checked.
QList<QSslCertificate> trustedQtCertificates(const ProbeOptions& options);

/// The certificate as Qt's TLS backend takes it. Conversions are cached process-wide by SHA-256
/// (bounded), so probing the same bundle again parses nothing. Thread-safe.
QSslCertificate toQtCertificate(const Certificate& certificate);

/// SHA-256 over the concatenated DER of the bundle's certificates, in order (lower-case hex).
/// Sent as x-certrotor-bundle-sha256, so a server log names the exact bundle a probe trusted: two
/// bundles with the same certificates in another order are different files and hash differently.
QString bundleSha256(const QList<Certificate>& bundle);

/// One TLS verification problem, with the certificate it concerns.
struct ProbeVerifyError
{
    QString kind; // stable short code: "untrusted", "expired", "not-yet-valid", "hostname-mismatch", ...
    QString message; // plain words, naming the certificate
    QString detail; // the TLS library's own words
    QString subject; // RFC 4514-ish subject of the certificate concerned ("" when none)
    QString sha256; // hex SHA-256 of that certificate ("" when none)
};

/// Milliseconds, -1 where the probe did not get that far. Qt signals when it starts the TCP connect
/// (socketStartedConnecting) and when TLS is up (encrypted), but not when TCP is established, so:
///   connect = start -> TCP connect begins (name lookup, Qt's per-manager HTTP thread starting;
///             with a server name override, up to the connect to the local relay);
///   tls     = TCP connect begins -> TLS handshake done (TCP handshake + TLS handshake: one RTT more
///             than TLS alone);
///   rpc     = TLS done -> last byte of the response (HTTP/2 preface and SETTINGS, the call, trailers);
///   total   = start -> result.
struct ProbeTimings
{
    double connectMs = -1;
    double tlsMs = -1;
    double rpcMs = -1;
    double totalMs = -1;
};

/// What one probe found, in words an operator understands.
struct ProbeResult
{
    /// Where the probe stopped. Done = it went all the way (ok says whether it passed).
    enum class Stage { Connect, Tls, Alpn, Http, Grpc, Serving, Done };

    ProbeTarget target;
    QString bundleName;
    QString bundleSha256;
    QString probeId; // the x-certrotor-probe-id sent (a fresh UUID): join server logs with the audit log
    QDateTime startedAt; // UTC

    bool ok = false; // SERVING over a verified TLS connection
    bool cancelled = false; // ended by cancel(): says nothing about the server
    Stage stage = Stage::Connect;
    QString error; // plain words; empty when ok

    QList<ProbeVerifyError> verifyErrors;
    QString tlsVersion; // "TLSv1.3"
    QString cipher; // "TLS_AES_256_GCM_SHA384"
    QString alpn; // "h2" ("" when none was negotiated)
    QList<Certificate> peerChain; // as the server sent it, leaf first
    Certificate anchor; // the certificate of the bundle that anchored the chain (null unless TLS verified)

    int httpStatus = -1;
    int grpcStatus = -1; // -1: no grpc-status received
    QString grpcMessage;
    grpcwire::ServingStatus servingStatus = grpcwire::ServingStatus::Absent;
    ProbeTimings timings;

    static QString stageName(Stage stage); // "connect", "tls", "alpn", "http", "grpc", "serving", "done"
    /// One line: "OK 127.0.0.1:50051 [candidate]: SERVING over TLSv1.3 h2, anchored by CN=... (4.2 ms)"
    /// or "FAILED 127.0.0.1:50051 [candidate] at tls: ...".
    QString summary() const;
};

} // namespace certrotor

Q_DECLARE_METATYPE(certrotor::ProbeResult)
