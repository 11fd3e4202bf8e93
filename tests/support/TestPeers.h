// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Real peers for probe tests, shared by the probe integration tests and the console's Probe panel
// tests: a peer process that prints its port when ready, the grpc++ health server
// (tests/fixtures/grpc), and a TCP server that accepts and never answers.

#include "CertFactory.h"

#include <QList>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <QTcpServer>

class QTcpSocket;

namespace certrotor::test {

/// A peer process that prints its port when ready ("LISTENING 1234" or openssl's "ACCEPT host:1234").
/// Killed when destroyed.
class PeerProcess
{
public:
    PeerProcess() = default;
    PeerProcess(const PeerProcess&) = delete;
    PeerProcess& operator=(const PeerProcess&) = delete;
    ~PeerProcess() { stop(); }

    /// Starts `program` and waits (bounded, about 10 s) for `ready` to match its output; its first
    /// capture is the port. False (with the peer's output in the log) when it did not come up.
    bool start(const QString& program, const QStringList& args, const QRegularExpression& ready);
    void stop();
    quint16 port() const { return m_port; }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

/// certrotor-drill-server on a port of its own choosing (--port 0).
class GrpcTestServer : public PeerProcess
{
public:
    bool start(const QStringList& args);
};

/// Path of the grpc++ health server built with the tests. Tests that start it add
/// `add_dependencies(<test> certrotor-drill-server)`.
QString grpcTestServerPath();

/// Writes a server's certificate chain (leaf, then `chain`) and key as `<dir>/<name>.pem` and
/// `<dir>/<name>.key`, and returns the server's arguments: {"--cert", pem, "--key", key}.
/// Empty when a file could not be written.
QStringList grpcServerTlsArgs(const QString& dir, const QString& name, const Issued& leaf, const Issued& chain);

/// Files for an mTLS probe, written under a directory: a server chain (root in `serverCa`), a client
/// certificate (issueClientCertificate) with its key encrypted under a passphrase, and the arguments
/// that start certrotor-drill-server requiring that client's CA. `ok` is false when a file could
/// not be written.
struct MtlsFiles
{
    bool ok = false;
    QString serverCa, clientCert, encryptedKey, clientCa;
    QByteArray encryptedKeyPem, plainKeyPem;
    QStringList serverArgs;
};
MtlsFiles writeMtlsFiles(const QString& dir, qint64 now, const QByteArray& passphrase,
                         const QString& keyFileName = QStringLiteral("client-encrypted.key"));

/// A TCP server on 127.0.0.1 that accepts every connection and never answers: a hung peer.
class SilentTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    explicit SilentTcpServer(QObject* parent = nullptr);
    ~SilentTcpServer() override;

    /// Listens on 127.0.0.1 on a free port.
    bool listenLocal();
    /// Connections accepted so far (kept open until the server is destroyed).
    qsizetype acceptedCount() const { return m_accepted.size(); }

private:
    QList<QTcpSocket*> m_accepted;
};

} // namespace certrotor::test
