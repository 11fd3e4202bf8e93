// SPDX-License-Identifier: GPL-3.0-or-later
#include "kube/KubeClient.h"

#include "kube/ExecCredentialPlugin.h"
#include "kube/KubeLog.h"
#include "util/AsyncTask.h"
#include "util/BuildInfo.h"
#include "util/Clock.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

#include <optional>

using namespace Qt::StringLiterals;

// Debug output (request lines, never secrets) is off unless enabled: QT_LOGGING_RULES="certrotor.kube.debug=true".
Q_LOGGING_CATEGORY(lcKube, "certrotor.kube", QtInfoMsg)

namespace certrotor::kube {

namespace {

constexpr qint64 kMaxWatchLine = 16 * 1024 * 1024;


QString httpReason(int status)
{
    switch (status) {
    case 400: return u"Bad Request"_s;
    case 401: return u"Unauthorized"_s;
    case 403: return u"Forbidden"_s;
    case 404: return u"Not Found"_s;
    case 405: return u"Method Not Allowed"_s;
    case 409: return u"Conflict"_s;
    case 410: return u"Gone"_s;
    case 415: return u"Unsupported Media Type"_s;
    case 422: return u"Unprocessable Entity"_s;
    case 429: return u"Too Many Requests"_s;
    case 500: return u"Internal Server Error"_s;
    case 503: return u"Service Unavailable"_s;
    default: return {};
    }
}

} // namespace

qint64 monotonicNs()
{
    static const QElapsedTimer timer = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return timer.nsecsElapsed();
}

QString KubeError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::None: return u"none"_s;
    case Kind::Config: return u"config"_s;
    case Kind::Credentials: return u"credentials"_s;
    case Kind::Network: return u"network"_s;
    case Kind::Tls: return u"tls"_s;
    case Kind::Timeout: return u"timeout"_s;
    case Kind::Unauthorized: return u"unauthorized"_s;
    case Kind::Forbidden: return u"forbidden"_s;
    case Kind::NotFound: return u"not-found"_s;
    case Kind::Conflict: return u"conflict"_s;
    case Kind::AlreadyExists: return u"already-exists"_s;
    case Kind::Gone: return u"gone"_s;
    case Kind::Invalid: return u"invalid"_s;
    case Kind::Server: return u"server"_s;
    case Kind::BadResponse: return u"bad-response"_s;
    case Kind::Aborted: return u"aborted"_s;
    }
    return {};
}

QString encodeQueryValue(const QString& value)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(value));
}

// ---- KubeObject -------------------------------------------------------------------------------

KubeObject KubeObject::fromJson(ObjectKind kind, const QJsonObject& object)
{
    KubeObject o;
    o.kind = kind;
    o.raw = object;
    const QJsonObject md = object.value(u"metadata"_s).toObject();
    o.nameSpace = md.value(u"namespace"_s).toString();
    o.name = md.value(u"name"_s).toString();
    o.resourceVersion = md.value(u"resourceVersion"_s).toString();
    o.uid = md.value(u"uid"_s).toString();
    o.type = object.value(u"type"_s).toString();
    const QJsonObject labels = md.value(u"labels"_s).toObject();
    for (auto it = labels.begin(); it != labels.end(); ++it)
        o.labels.insert(it.key(), it.value().toString());
    const QJsonObject data = object.value(u"data"_s).toObject();
    for (auto it = data.begin(); it != data.end(); ++it)
        o.data.insert(it.key(),
                      kind == ObjectKind::Secret ? QByteArray::fromBase64(it.value().toString().toLatin1())
                                                 : it.value().toString().toUtf8());
    if (kind == ObjectKind::ConfigMap) {
        const QJsonObject binary = object.value(u"binaryData"_s).toObject();
        for (auto it = binary.begin(); it != binary.end(); ++it) {
            o.data.insert(it.key(), QByteArray::fromBase64(it.value().toString().toLatin1()));
            o.binaryKeys.insert(it.key());
        }
    }
    return o;
}

QJsonObject KubeObject::toJson() const
{
    QJsonObject o = raw;
    o.insert(u"apiVersion"_s, u"v1"_s);
    o.insert(u"kind"_s, KubeObjectRef::kindName(kind));
    QJsonObject md = o.value(u"metadata"_s).toObject();
    md.insert(u"name"_s, name);
    md.insert(u"namespace"_s, nameSpace);
    if (resourceVersion.isEmpty())
        md.remove(u"resourceVersion"_s);
    else
        md.insert(u"resourceVersion"_s, resourceVersion);
    QJsonObject l;
    for (auto it = labels.begin(); it != labels.end(); ++it)
        l.insert(it.key(), it.value());
    if (l.isEmpty())
        md.remove(u"labels"_s);
    else
        md.insert(u"labels"_s, l);
    o.insert(u"metadata"_s, md);
    QJsonObject text;
    QJsonObject binary;
    for (auto it = data.begin(); it != data.end(); ++it) {
        if (kind == ObjectKind::ConfigMap && !binaryKeys.contains(it.key()))
            text.insert(it.key(), QString::fromUtf8(it.value()));
        else
            binary.insert(it.key(), QString::fromLatin1(it.value().toBase64()));
    }
    if (kind == ObjectKind::Secret) {
        if (!type.isEmpty())
            o.insert(u"type"_s, type);
        o.insert(u"data"_s, binary);
        o.remove(u"stringData"_s);
    } else {
        o.insert(u"data"_s, text);
        if (binary.isEmpty())
            o.remove(u"binaryData"_s);
        else
            o.insert(u"binaryData"_s, binary);
    }
    return o;
}

// ---- KubeWatch ------------------------------------------------------------------------------------

KubeWatch::~KubeWatch()
{
    abort();
}

void KubeWatch::abort()
{
    m_done = true;
    if (m_reply) {
        QNetworkReply* r = m_reply;
        m_reply = nullptr;
        r->disconnect(this);
        r->abort();
        r->deleteLater();
    }
}

void KubeWatch::attach(QNetworkReply* reply)
{
    m_reply = reply;
    connect(reply, &QNetworkReply::metaDataChanged, this, [this] {
        if (!m_done)
            checkStatus();
    });
    connect(reply, &QNetworkReply::readyRead, this, &KubeWatch::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &KubeWatch::onFinished);
}

bool KubeWatch::checkStatus()
{
    if (m_open || !m_reply)
        return m_open;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 200) {
        m_open = true;
        Q_EMIT opened();
    }
    return m_open;
}

void KubeWatch::onReadyRead()
{
    if (m_done || !m_reply)
        return;
    if (!checkStatus())
        return; // an error body: read it when the reply finishes
    m_buffer += m_reply->readAll();
    const qint64 now = monotonicNs();
    qsizetype start = 0;
    for (;;) {
        const qsizetype nl = m_buffer.indexOf('\n', start);
        if (nl < 0)
            break;
        const QByteArrayView line = QByteArrayView(m_buffer).sliced(start, nl - start).trimmed();
        start = nl + 1;
        if (line.isEmpty())
            continue;
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(line.toByteArray(), &pe);
        const QJsonObject o = doc.object();
        const QString type = o.value(u"type"_s).toString();
        WatchEvent ev;
        ev.receivedNs = now;
        ev.object = o.value(u"object"_s).toObject();
        bool known = true;
        if (type == u"ADDED"_s)
            ev.type = WatchEvent::Type::Added;
        else if (type == u"MODIFIED"_s)
            ev.type = WatchEvent::Type::Modified;
        else if (type == u"DELETED"_s)
            ev.type = WatchEvent::Type::Deleted;
        else if (type == u"BOOKMARK"_s)
            ev.type = WatchEvent::Type::Bookmark;
        else if (type == u"ERROR"_s)
            ev.type = WatchEvent::Type::Error;
        else
            known = false;
        if (pe.error != QJsonParseError::NoError || !doc.isObject() || !known) {
            finish({KubeError::Kind::BadResponse, 200,
                    u"the watch stream carried something that is not a watch event (%1)"_s.arg(
                        pe.error != QJsonParseError::NoError ? pe.errorString() : u"no known event type"_s)});
            return;
        }
        QPointer<KubeWatch> self(this);
        Q_EMIT event(ev);
        if (!self || m_done)
            return;
    }
    m_buffer.remove(0, start);
    if (m_buffer.size() > kMaxWatchLine)
        finish({KubeError::Kind::BadResponse, 200, u"the watch stream sent an event larger than 16 MiB"_s});
}

void KubeWatch::onFinished()
{
    if (m_done || !m_reply)
        return;
    checkStatus();
    if (m_open) {
        onReadyRead();
        if (m_done)
            return;
        const auto err = m_reply->error();
        if (err == QNetworkReply::NoError) {
            finish({});
        } else {
            KubeError e = KubeClient::errorFromReply(m_reply, {});
            if (e.kind == KubeError::Kind::Timeout)
                e.message = u"the watch stream went silent (stalled server or broken network path)"_s;
            else if (e.kind == KubeError::Kind::Network)
                e.message = u"the watch stream broke: %1"_s.arg(m_reply->errorString());
            finish(e);
        }
        return;
    }
    const QByteArray body = m_reply->readAll();
    KubeError e = KubeClient::errorFromReply(m_reply, body);
    if (e.ok())
        e = {KubeError::Kind::BadResponse, 0, u"the watch request ended without a response"_s};
    if (e.kind == KubeError::Kind::Unauthorized && m_onUnauthorized)
        m_onUnauthorized();
    finish(e);
}

void KubeWatch::finish(const KubeError& error)
{
    if (m_done)
        return;
    m_done = true;
    if (m_reply) {
        QNetworkReply* r = m_reply;
        m_reply = nullptr;
        r->disconnect(this);
        if (r->isRunning())
            r->abort();
        r->deleteLater();
    }
    m_open = false;
    Q_EMIT finished(error);
}

// ---- KubeClient -----------------------------------------------------------------------------------

KubeClient::KubeClient(RestConfig config, QObject* parent)
    : QObject(parent), m_config(std::move(config)), m_nam(new QNetworkAccessManager(this)), m_clock(&Clock::system())
{
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_ssl = QSslConfiguration::defaultConfiguration();
    // Only the kubeconfig's CA when it names one (never the system store on top), the system store otherwise,
    // as kubectl does.
    if (!m_config.cluster.caPem.isEmpty()) {
        const auto cas = QSslCertificate::fromData(m_config.cluster.caPem, QSsl::Pem);
        if (cas.isEmpty())
            m_configError = {KubeError::Kind::Config, 0,
                             u"the certificate authority of cluster '%1' is not a PEM certificate"_s.arg(
                                 m_config.cluster.name)};
        m_ssl.setCaCertificates(cas);
    }
    if (m_config.cluster.insecureSkipTlsVerify) {
        m_ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        qCWarning(lcKube).noquote() << m_config.warnings.join(u"; "_s);
    }
    m_ssl.setAllowedNextProtocols({QByteArrayLiteral("http/1.1")});
    if (!m_config.user.clientCertPem.isEmpty()) {
        Credentials c;
        const auto certs = QSslCertificate::fromData(m_config.user.clientCertPem, QSsl::Pem);
        c.key = privateKeyFromPem(m_config.user.clientKeyPem);
        if (certs.isEmpty())
            m_configError = {KubeError::Kind::Config, 0,
                             u"the client certificate of user '%1' is not a PEM certificate"_s.arg(m_config.user.name)};
        else if (c.key.isNull())
            m_configError = {KubeError::Kind::Config, 0,
                             u"the client key of user '%1' is not a PEM private key"_s.arg(m_config.user.name)};
        else {
            c.certificate = certs.first();
            applyClientCertificate(c);
        }
    }
    if (m_config.user.exec)
        m_exec = std::make_unique<ExecCredentialPlugin>(*m_config.user.exec, m_config.cluster);
    if (QUrl(m_config.cluster.server).scheme() != u"https"_s && QUrl(m_config.cluster.server).scheme() != u"http"_s)
        m_configError = {KubeError::Kind::Config, 0,
                         u"the server URL of cluster '%1' is not http(s)"_s.arg(m_config.cluster.name)};
}

KubeClient::~KubeClient() = default;

Result<RestConfig> KubeClient::loadRestConfig(const QString& context, const QString& kubeconfig)
{
    auto cfg = kubeconfig.isEmpty() ? Kubeconfig::loadDefault() : Kubeconfig::loadFiles({ kubeconfig });
    if (!cfg.ok())
        return cfg.error();
    return cfg.value().restConfig(context);
}

Result<KubeClient*> KubeClient::fromKubeconfig(const QString& context, QObject* parent, const QString& kubeconfig)
{
    auto rc = loadRestConfig(context, kubeconfig);
    if (!rc.ok())
        return rc.error();
    return fromRestConfig(rc.value(), parent);
}

Result<KubeClient*> KubeClient::fromRestConfig(const RestConfig& config, QObject* parent)
{
    auto* client = new KubeClient(config, parent);
    if (!client->configError().ok()) {
        Error e{client->configError().message, u"kubeconfig"_s};
        delete client;
        return e;
    }
    return client;
}

void KubeClient::fromKubeconfigAsync(QObject* context, const QString& kubeContext, const QString& kubeconfig,
                                     QObject* parent, std::function<void(Result<KubeClient*>)> done)
{
    struct Loaded {
        std::optional<RestConfig> config;
        Error error;
    };
    QPointer<QObject> owner = parent;
    runThenCallback(
        context,
        [kubeContext, kubeconfig] {
            Loaded loaded;
            Result<RestConfig> rc = loadRestConfig(kubeContext, kubeconfig);
            if (rc.ok())
                loaded.config = std::move(rc).value();
            else
                loaded.error = rc.error();
            return loaded;
        },
        [owner, hadParent = parent != nullptr, done = std::move(done)](const Loaded& loaded) {
            if (hadParent && !owner)
                return; // the parent died meanwhile: nobody to own the client
            if (!loaded.config)
                return done(loaded.error);
            done(fromRestConfig(*loaded.config, owner.data()));
        });
}

void KubeClient::setClock(const Clock* clock)
{
    m_clock = clock ? clock : &Clock::system();
}

int KubeClient::execRuns() const
{
    return m_exec ? m_exec->runs() : 0;
}

void KubeClient::applyClientCertificate(const Credentials& creds)
{
    const QByteArray identity = creds.certificate.isNull() ? QByteArray() : creds.certificate.toDer();
    if (identity == m_sslIdentity)
        return;
    m_ssl.setLocalCertificate(creds.certificate);
    m_ssl.setPrivateKey(creds.key);
    if (!m_sslIdentity.isEmpty())
        m_nam->clearConnectionCache(); // cached connections keep the old identity (PLATFORM.md)
    m_sslIdentity = identity;
}

void KubeClient::withCredentials(std::function<void(const KubeError&, const Credentials&)> fn)
{
    if (!m_configError.ok()) {
        fn(m_configError, {});
        return;
    }
    if (m_exec) {
        QPointer<KubeClient> self(this);
        m_exec->get(*m_clock, [self, fn](const KubeError& e, const Credentials& c) {
            if (!self)
                return;
            if (e.ok() && !c.certificate.isNull())
                self->applyClientCertificate(c);
            fn(e, c);
        });
        return;
    }
    Credentials c;
    c.token = m_config.user.token;
    if (c.token.isEmpty() && !m_config.user.tokenFile.isEmpty()) {
        QFile f(m_config.user.tokenFile);
        if (!f.open(QIODevice::ReadOnly)) {
            fn({KubeError::Kind::Credentials, 0,
                u"cannot read the token file %1: %2"_s.arg(m_config.user.tokenFile, f.errorString())},
               {});
            return;
        }
        c.token = f.read(1024 * 1024).trimmed();
    }
    fn({}, c);
}

QNetworkRequest KubeClient::makeRequest(const QString& path, const QString& query, const Credentials& creds) const
{
    QUrl url(m_config.cluster.server);
    QString base = url.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    url.setPath(base + path);
    if (!query.isEmpty())
        url.setQuery(query, QUrl::TolerantMode);
    QNetworkRequest req(url);
    req.setSslConfiguration(m_ssl);
    if (!m_config.cluster.tlsServerName.isEmpty())
        req.setPeerVerifyName(m_config.cluster.tlsServerName);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    req.setRawHeader("User-Agent", buildinfo::userAgent().toUtf8());
    req.setRawHeader("X-Client-Info", buildinfo::clientInfo().toUtf8());
    req.setRawHeader("Accept", "application/json");
    if (!creds.token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + creds.token);
    return req;
}

KubeError KubeClient::errorFromReply(QNetworkReply* reply, const QByteArray& body)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 200 && status < 300 && reply->error() == QNetworkReply::NoError)
        return {};
    const auto err = reply->error();
    // Transport failures (codes 1-99) win over a status line that may already have arrived (a watch
    // stream that stalls or breaks after its 200).
    if (status == 0 || status < 200 || (err > QNetworkReply::NoError && err < QNetworkReply::ProxyConnectionRefusedError)) {
        const QString host = reply->url().host() + u':' + QString::number(reply->url().port(443));
        switch (err) {
        case QNetworkReply::NoError:
            return {};
        case QNetworkReply::OperationCanceledError: // we never abort a reply we still listen to: the transfer timeout did
        case QNetworkReply::TimeoutError:
            return {KubeError::Kind::Timeout, 0, u"the API server %1 did not answer in time"_s.arg(host)};
        case QNetworkReply::ConnectionRefusedError:
            return {KubeError::Kind::Network, 0, u"connection to the API server %1 refused"_s.arg(host)};
        case QNetworkReply::HostNotFoundError:
            return {KubeError::Kind::Network, 0, u"API server host %1 not found"_s.arg(reply->url().host())};
        case QNetworkReply::SslHandshakeFailedError:
            return {KubeError::Kind::Tls, 0,
                    u"TLS handshake with the API server %1 failed: %2"_s.arg(host, reply->errorString())};
        case QNetworkReply::RemoteHostClosedError:
            return {KubeError::Kind::Network, 0,
                    u"the API server %1 closed the connection (if this happens at once, it may have rejected our "
                    "client certificate)"_s.arg(host)};
        default:
            return {KubeError::Kind::Network, 0, u"API server %1: %2"_s.arg(host, reply->errorString())};
        }
    }
    // An HTTP error: the API's Status object says what it was.
    QString message;
    QString reason;
    const QJsonObject st = QJsonDocument::fromJson(body).object();
    if (st.value(u"kind"_s).toString() == u"Status"_s) {
        message = st.value(u"message"_s).toString().left(500);
        reason = st.value(u"reason"_s).toString();
    }
    KubeError e;
    e.httpStatus = status;
    switch (status) {
    case 401: e.kind = KubeError::Kind::Unauthorized; break;
    case 403: e.kind = KubeError::Kind::Forbidden; break;
    case 404: e.kind = KubeError::Kind::NotFound; break;
    case 409: e.kind = reason == u"AlreadyExists"_s ? KubeError::Kind::AlreadyExists : KubeError::Kind::Conflict; break;
    case 410: e.kind = KubeError::Kind::Gone; break;
    case 400:
    case 422: e.kind = KubeError::Kind::Invalid; break;
    default: e.kind = KubeError::Kind::Server; break;
    }
    QString head = u"HTTP %1"_s.arg(status);
    if (!httpReason(status).isEmpty())
        head += u' ' + httpReason(status);
    if (e.kind == KubeError::Kind::Unauthorized)
        e.message = u"the API server rejected our credentials (%1)"_s.arg(head);
    else if (e.kind == KubeError::Kind::Forbidden)
        e.message = u"the API server denied access (%1)%2"_s.arg(head, message.isEmpty() ? QString() : u": "_s + message);
    else
        e.message = message.isEmpty() ? u"the API server answered %1"_s.arg(head) : message + u" ("_s + head + u')';
    return e;
}

void KubeClient::call(const QByteArray& verb, const QString& path, const QString& query, const QByteArray& body,
                      QObject* context, Callback<QJsonObject> done)
{
    send(verb, path, query, body, context, std::move(done), false);
}

void KubeClient::send(const QByteArray& verb, const QString& path, const QString& query, const QByteArray& body,
                      QObject* context, Callback<QJsonObject> done, bool retried)
{
    QPointer<QObject> ctx(context);
    QPointer<KubeClient> self(this);
    withCredentials([=, this](const KubeError& credErr, const Credentials& creds) {
        if (!self || (context && !ctx))
            return;
        if (!credErr.ok()) {
            done({{}, credErr});
            return;
        }
        QNetworkRequest req = makeRequest(path, query, creds);
        req.setTransferTimeout(m_requestTimeoutMs);
        if (!body.isEmpty())
            req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        QNetworkReply* reply = m_nam->sendCustomRequest(req, verb, body);
        qCDebug(lcKube).noquote() << verb << req.url().toString(QUrl::RemoveUserInfo);
        connect(reply, &QNetworkReply::finished, context ? context : this, [=, this] {
            reply->deleteLater();
            if (!self)
                return;
            const QByteArray data = reply->readAll();
            KubeError e = errorFromReply(reply, data);
            if (e.kind == KubeError::Kind::Unauthorized && m_exec) {
                m_exec->invalidate(); // client-go re-runs the plugin after a 401
                if (!retried) {
                    send(verb, path, query, body, context, done, true);
                    return;
                }
            }
            if (!e.ok()) {
                qCDebug(lcKube).noquote() << verb << path << "failed:" << e.message;
                done({{}, e});
                return;
            }
            QJsonParseError pe;
            const QJsonDocument doc = QJsonDocument::fromJson(data, &pe);
            if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
                done({{}, {KubeError::Kind::BadResponse, 200, u"the API server's answer is not a JSON object"_s}});
                return;
            }
            done({doc.object(), {}});
        });
    });
}

QString KubeClient::collectionPath(ObjectKind kind, const QString& nameSpace)
{
    if (nameSpace.isEmpty())
        return u"/api/v1/"_s + KubeObjectRef::resourceName(kind);
    return KubeObjectRef { kind, {}, nameSpace, {}, {} }.collectionPath();
}

void KubeClient::getObject(ObjectKind kind, const QString& nameSpace, const QString& name, QObject* context,
                           Callback<KubeObject> done)
{
    call("GET", KubeObjectRef { kind, {}, nameSpace, name, {} }.apiPath(), {}, {}, context,
         [kind, done](KubeResult<QJsonObject> r) {
             if (!r.ok())
                 return done({{}, r.error});
             done({ KubeObject::fromJson(kind, r.value), {} });
         });
}

void KubeClient::listObjects(ObjectKind kind, const QString& nameSpace, const ListOptions& options, QObject* context,
                             Callback<KubeObjectList> done)
{
    QStringList q;
    if (!options.labelSelector.isEmpty())
        q << u"labelSelector="_s + encodeQueryValue(options.labelSelector);
    if (!options.fieldSelector.isEmpty())
        q << u"fieldSelector="_s + encodeQueryValue(options.fieldSelector);
    call("GET", collectionPath(kind, nameSpace), q.join(u'&'), {}, context, [kind, done](KubeResult<QJsonObject> r) {
        if (!r.ok())
            return done({{}, r.error});
        KubeObjectList list;
        list.resourceVersion = r.value.value(u"metadata"_s).toObject().value(u"resourceVersion"_s).toString();
        const QJsonArray items = r.value.value(u"items"_s).toArray();
        for (const QJsonValue& v : items)
            list.items << KubeObject::fromJson(kind, v.toObject());
        done({list, {}});
    });
}

void KubeClient::listNamespaces(QObject* context, Callback<QStringList> done)
{
    call("GET", u"/api/v1/namespaces"_s, {}, {}, context, [done](KubeResult<QJsonObject> r) {
        if (!r.ok())
            return done({{}, r.error});
        QStringList names;
        const QJsonArray items = r.value.value(u"items"_s).toArray();
        for (const QJsonValue& v : items)
            names << v.toObject().value(u"metadata"_s).toObject().value(u"name"_s).toString();
        names.sort();
        done({names, {}});
    });
}

void KubeClient::replaceObject(const KubeObject& object, QObject* context, Callback<KubeObject> done)
{
    const QByteArray body = QJsonDocument(object.toJson()).toJson(QJsonDocument::Compact);
    const ObjectKind kind = object.kind;
    call("PUT", KubeObjectRef { kind, {}, object.nameSpace, object.name, {} }.apiPath(), {}, body, context,
         [kind, done](KubeResult<QJsonObject> r) {
             if (!r.ok())
                 return done({{}, r.error});
             done({ KubeObject::fromJson(kind, r.value), {} });
         });
}

KubeWatch* KubeClient::watchObjects(ObjectKind kind, const QString& nameSpace, const WatchOptions& options,
                                    QObject* parent)
{
    auto* watch = new KubeWatch(parent);
    QStringList q{u"watch=1"_s};
    if (!options.fieldSelector.isEmpty())
        q << u"fieldSelector="_s + encodeQueryValue(options.fieldSelector);
    if (!options.labelSelector.isEmpty())
        q << u"labelSelector="_s + encodeQueryValue(options.labelSelector);
    if (!options.resourceVersion.isEmpty())
        q << u"resourceVersion="_s + encodeQueryValue(options.resourceVersion);
    if (options.allowBookmarks)
        q << u"allowWatchBookmarks=true"_s;
    if (options.timeoutSeconds > 0)
        q << u"timeoutSeconds="_s + QString::number(options.timeoutSeconds);
    const int inactivity =
        options.inactivityTimeoutMs > 0 ? options.inactivityTimeoutMs : (qMax(options.timeoutSeconds, 0) + 30) * 1000;
    const QString path = collectionPath(kind, nameSpace);
    const QString query = q.join(u'&');
    QPointer<KubeWatch> w(watch);
    QPointer<KubeClient> self(this);
    withCredentials([=, this](const KubeError& credErr, const Credentials& creds) {
        if (!w || !self || w->m_done)
            return;
        if (!credErr.ok()) {
            // Report asynchronously so the caller has connected its slots.
            QMetaObject::invokeMethod(w, [w, credErr] {
                if (w)
                    w->finish(credErr);
            }, Qt::QueuedConnection);
            return;
        }
        QNetworkRequest req = makeRequest(path, query, creds);
        req.setTransferTimeout(inactivity);
        // Each watch gets its own manager: Qt opens at most 6 HTTP/1.1 connections per host and manager, and a
        // watch holds its connection for minutes, so watches sharing one manager would starve each other and
        // every GET/PUT of this client.
        auto* nam = new QNetworkAccessManager(w);
        nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        QNetworkReply* reply = nam->get(req);
        qCDebug(lcKube).noquote() << "WATCH" << req.url().toString(QUrl::RemoveUserInfo);
        if (m_exec) {
            ExecCredentialPlugin* exec = m_exec.get();
            w->m_onUnauthorized = [self, exec] {
                if (self)
                    exec->invalidate();
            };
        }
        w->attach(reply);
    });
    return watch;
}

} // namespace certrotor::kube
