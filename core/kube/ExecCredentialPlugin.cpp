// SPDX-License-Identifier: GPL-3.0-or-later
#include "kube/ExecCredentialPlugin.h"

#include "kube/KubeLog.h"
#include "util/Clock.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace certrotor::kube {

namespace {
constexpr int kPluginTimeoutMs = 60000;

} // namespace

QSslKey privateKeyFromPem(const QByteArray& pem)
{
    for (auto alg : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        QSslKey k(pem, alg, QSsl::Pem, QSsl::PrivateKey);
        if (!k.isNull())
            return k;
    }
    return {};
}

ExecCredentialPlugin::ExecCredentialPlugin(ExecConfig config, Cluster cluster, QObject* parent)
    : QObject(parent), m_config(std::move(config)), m_cluster(std::move(cluster))
{
}

ExecCredentialPlugin::~ExecCredentialPlugin()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000);
    }
}

void ExecCredentialPlugin::get(const Clock& clock, Done done)
{
    if (m_cached && (!m_cached->expires.isValid() || clock.nowUtc() < m_cached->expires)) {
        done({}, *m_cached);
        return;
    }
    m_cached.reset();
    m_waiters << std::move(done);
    if (!m_process)
        start();
}

void ExecCredentialPlugin::invalidate()
{
    m_cached.reset();
}

void ExecCredentialPlugin::start()
{
    ++m_runs;
    m_process = new QProcess(this);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const auto& kv : m_config.env)
        env.insert(kv.first, kv.second);
    QJsonObject spec{{u"interactive"_s, false}};
    if (m_config.provideClusterInfo) {
        QJsonObject cluster{{u"server"_s, m_cluster.server}};
        if (!m_cluster.caPem.isEmpty())
            cluster.insert(u"certificate-authority-data"_s, QString::fromLatin1(m_cluster.caPem.toBase64()));
        if (!m_cluster.tlsServerName.isEmpty())
            cluster.insert(u"tls-server-name"_s, m_cluster.tlsServerName);
        if (m_cluster.insecureSkipTlsVerify)
            cluster.insert(u"insecure-skip-tls-verify"_s, true);
        spec.insert(u"cluster"_s, cluster);
    }
    const QJsonObject info{{u"apiVersion"_s, m_config.apiVersion}, {u"kind"_s, u"ExecCredential"_s}, {u"spec"_s, spec}};
    env.insert(u"KUBERNETES_EXEC_INFO"_s, QString::fromUtf8(QJsonDocument(info).toJson(QJsonDocument::Compact)));
    m_process->setProcessEnvironment(env);
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    // stderr goes nowhere: it may echo secrets. stdin is closed (never interactive).
    m_process->setStandardErrorFile(QProcess::nullDevice());
    m_process->setStandardInputFile(QProcess::nullDevice());

    auto* timer = new QTimer(m_process);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, m_process, [this] {
        m_process->disconnect(this);
        m_process->kill();
        complete({KubeError::Kind::Credentials, 0,
                  u"exec credential plugin '%1' did not answer within %2 s"_s.arg(m_config.command).arg(kPluginTimeoutMs / 1000)});
    });
    timer->start(kPluginTimeoutMs);

    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart)
            return;
        QString msg = u"exec credential plugin '%1' could not be started (not found or not executable)"_s.arg(
            m_config.command);
        if (!m_config.installHint.isEmpty())
            msg += u"; "_s + m_config.installHint.trimmed();
        complete({KubeError::Kind::Credentials, 0, msg});
    });
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        if (status != QProcess::NormalExit || code != 0) {
            complete({KubeError::Kind::Credentials, 0,
                      status == QProcess::NormalExit
                          ? u"exec credential plugin '%1' failed (exit code %2)"_s.arg(m_config.command).arg(code)
                          : u"exec credential plugin '%1' crashed"_s.arg(m_config.command)});
            return;
        }
        Credentials creds;
        KubeError err = parse(m_process->readAllStandardOutput(), m_config.apiVersion, &creds);
        if (!err.ok()) {
            err.message = u"exec credential plugin '%1': %2"_s.arg(m_config.command, err.message);
            complete(err);
            return;
        }
        m_cached = creds;
        qCDebug(lcKube) << "exec credential plugin" << m_config.command << "gave a credential"
                        << (creds.expires.isValid() ? u"until "_s + creds.expires.toString(Qt::ISODate) : u"without expiry"_s);
        complete({});
    });
    qCDebug(lcKube) << "running exec credential plugin" << m_config.command;
    m_process->start(m_config.command, m_config.args);
}

void ExecCredentialPlugin::complete(const KubeError& error)
{
    if (m_process) {
        m_process->deleteLater();
        m_process = nullptr;
    }
    const auto waiters = std::exchange(m_waiters, {});
    const Credentials creds = m_cached.value_or(Credentials{});
    for (const Done& w : waiters)
        w(error, creds);
}

KubeError ExecCredentialPlugin::parse(const QByteArray& json, const QString& expectedApiVersion, Credentials* out)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return {KubeError::Kind::Credentials, 0, u"its output is not an ExecCredential JSON object"_s};
    const QJsonObject o = doc.object();
    if (o.value(u"kind"_s).toString() != u"ExecCredential"_s)
        return {KubeError::Kind::Credentials, 0, u"its output is not of kind ExecCredential"_s};
    const QString api = o.value(u"apiVersion"_s).toString();
    if (api != expectedApiVersion)
        return {KubeError::Kind::Credentials, 0,
                u"it answered with apiVersion '%1' but the kubeconfig asks for '%2'"_s.arg(api, expectedApiVersion)};
    const QJsonObject st = o.value(u"status"_s).toObject();
    Credentials c;
    c.token = st.value(u"token"_s).toString().toUtf8();
    const QByteArray certPem = st.value(u"clientCertificateData"_s).toString().toUtf8();
    const QByteArray keyPem = st.value(u"clientKeyData"_s).toString().toUtf8();
    if (certPem.isEmpty() != keyPem.isEmpty())
        return {KubeError::Kind::Credentials, 0,
                u"it gave clientCertificateData without clientKeyData (or the reverse)"_s};
    if (!certPem.isEmpty()) {
        const auto certs = QSslCertificate::fromData(certPem, QSsl::Pem);
        if (certs.isEmpty())
            return {KubeError::Kind::Credentials, 0, u"its clientCertificateData is not a PEM certificate"_s};
        c.certificate = certs.first();
        c.key = privateKeyFromPem(keyPem);
        if (c.key.isNull())
            return {KubeError::Kind::Credentials, 0, u"its clientKeyData is not a PEM private key"_s};
    }
    if (c.token.isEmpty() && certPem.isEmpty())
        return {KubeError::Kind::Credentials, 0, u"it gave neither a token nor a client certificate"_s};
    const QString exp = st.value(u"expirationTimestamp"_s).toString();
    if (!exp.isEmpty()) {
        c.expires = QDateTime::fromString(exp, Qt::ISODateWithMs);
        if (!c.expires.isValid())
            c.expires = QDateTime::fromString(exp, Qt::ISODate);
        if (!c.expires.isValid())
            return {KubeError::Kind::Credentials, 0,
                    u"its expirationTimestamp '%1' is not an RFC 3339 time"_s.arg(exp.left(40))};
        c.expires = c.expires.toUTC();
    }
    *out = c;
    return {};
}

} // namespace certrotor::kube
