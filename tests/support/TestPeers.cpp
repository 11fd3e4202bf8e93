// SPDX-License-Identifier: GPL-3.0-or-later
#include "TestPeers.h"

#include <QDir>
#include <QTcpSocket>

namespace certrotor::test {

bool PeerProcess::start(const QString& program, const QStringList& args, const QRegularExpression& ready)
{
    m_process.setProgram(program);
    m_process.setArguments(args);
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.start();
    if (!m_process.waitForStarted(10000))
        return false;
    QByteArray seen;
    for (int i = 0; i < 100 && m_port == 0; ++i) { // bounded: 100 x 100 ms
        if (!m_process.waitForReadyRead(100) && m_process.state() != QProcess::Running)
            break;
        seen += m_process.readAllStandardOutput();
        const QRegularExpressionMatch m = ready.match(QString::fromUtf8(seen));
        if (m.hasMatch())
            m_port = quint16(m.captured(1).toUInt());
    }
    if (m_port == 0)
        qWarning().noquote() << program << "did not start:" << seen << m_process.readAllStandardError();
    return m_port != 0;
}

void PeerProcess::stop()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    m_port = 0;
}

bool GrpcTestServer::start(const QStringList& args)
{
    return PeerProcess::start(grpcTestServerPath(), QStringList{QStringLiteral("--port"), QStringLiteral("0")} + args,
                              QRegularExpression(QStringLiteral("LISTENING (\\d+)")));
}

QString grpcTestServerPath()
{
    return QStringLiteral(CERTROTOR_DRILL_SERVER);
}

QStringList grpcServerTlsArgs(const QString& dir, const QString& name, const Issued& leaf, const Issued& chain)
{
    const QString cert = QDir(dir).filePath(name + QStringLiteral(".pem"));
    const QString key = QDir(dir).filePath(name + QStringLiteral(".key"));
    if (!writeFile(cert, leaf.pem() + chain.pem()) || !writeFile(key, leaf.keyPem()))
        return {};
    return {QStringLiteral("--cert"), cert, QStringLiteral("--key"), key};
}

MtlsFiles writeMtlsFiles(const QString& dir, qint64 now, const QByteArray& passphrase, const QString& keyFileName)
{
    const QDir d(dir);
    const Hierarchy server = makeHierarchy(now, QStringLiteral("Server"));
    const Hierarchy clients = makeHierarchy(now, QStringLiteral("Clients"));
    const Issued client = issueClientCertificate(now, clients);
    MtlsFiles f;
    f.serverCa = d.filePath(QStringLiteral("server-ca.pem"));
    f.clientCert = d.filePath(QStringLiteral("client-chain.pem"));
    f.encryptedKey = d.filePath(keyFileName);
    f.clientCa = d.filePath(QStringLiteral("client-ca.pem"));
    f.encryptedKeyPem = client.encryptedKeyPem(passphrase);
    f.plainKeyPem = client.keyPem();
    const QStringList tls = grpcServerTlsArgs(dir, QStringLiteral("server"), server.leaf, server.intermediate);
    f.ok = server.leaf.cert && client.cert && !tls.isEmpty() && f.encryptedKeyPem.startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        && writeFile(f.serverCa, server.root.pem()) && writeFile(f.clientCa, clients.root.pem())
        && writeFile(f.clientCert, client.pem() + clients.intermediate.pem()) && writeFile(f.encryptedKey, f.encryptedKeyPem);
    f.serverArgs = tls + QStringList{QStringLiteral("--client-ca"), f.clientCa};
    return f;
}

SilentTcpServer::SilentTcpServer(QObject* parent) : QTcpServer(parent)
{
    connect(this, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket* s = nextPendingConnection())
            m_accepted << s;
    });
}

SilentTcpServer::~SilentTcpServer()
{
    qDeleteAll(m_accepted);
}

bool SilentTcpServer::listenLocal()
{
    return listen(QHostAddress::LocalHost);
}

} // namespace certrotor::test
