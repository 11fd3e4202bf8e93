// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "kube/KubeObjectRef.h"
#include "kube/Kubeconfig.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>

#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;

namespace certrotor {
class Clock;
}

/// The Kubernetes API client: GET, LIST, WATCH and PUT of Secrets and ConfigMaps over QNetworkAccessManager,
/// asynchronous, never blocking. Authenticates with what the kubeconfig says: client certificate,
/// bearer token (inline or file) or an exec credential plugin. Tokens, keys and plugin output
/// never reach logs or error messages.
namespace certrotor::kube {

/// What went wrong with a call, in plain words; `kind` lets callers react (409 → conflict UI,
/// 410 → relist, 401 → credentials).
struct KubeError
{
    enum class Kind {
        None,
        Config,       // the kubeconfig cannot be used
        Credentials,  // the exec plugin or token file failed
        Network,      // connection refused, reset, DNS, ...
        Tls,          // handshake / certificate verification
        Timeout,
        Unauthorized, // 401
        Forbidden,    // 403
        NotFound,     // 404
        Conflict,     // 409 Conflict (resourceVersion precondition failed)
        AlreadyExists,// 409 AlreadyExists
        Gone,         // 410 (resourceVersion too old)
        Invalid,      // 400/422
        Server,       // other HTTP errors
        BadResponse,  // not what the API promises (not JSON, garbage on a watch stream)
        Aborted,
    };
    Kind kind = Kind::None;
    int httpStatus = 0;
    QString message;

    bool ok() const { return kind == Kind::None; }
    static QString kindName(Kind kind);
};

template <typename T>
struct KubeResult
{
    T value{};
    KubeError error;
    bool ok() const { return error.ok(); }
};

using ObjectKind = KubeObjectRef::Kind;

/// A Secret or a ConfigMap, with the bytes of every key in `data`: a Secret's data base64-decoded; a
/// ConfigMap's `data` (text, as UTF-8) and `binaryData` (base64-decoded) together, `binaryKeys` naming
/// the keys that came from binaryData so that toJson() puts each key back where it was. `raw` keeps
/// every other field for a faithful PUT.
struct KubeObject {
    ObjectKind kind = ObjectKind::Secret;
    QString nameSpace;
    QString name;
    QString resourceVersion;
    QString uid;
    QString type; // Secrets only
    QMap<QString, QString> labels;
    QMap<QString, QByteArray> data;
    QSet<QString> binaryKeys; // ConfigMaps only
    QJsonObject raw;

    /// `kind` is given because list items carry no kind of their own.
    static KubeObject fromJson(ObjectKind kind, const QJsonObject& object);
    /// `raw` with metadata (name, namespace, resourceVersion, labels) and the keys re-encoded.
    QJsonObject toJson() const;
};

struct KubeObjectList {
    QList<KubeObject> items;
    QString resourceVersion; // the list's resourceVersion: where a following watch starts
};

struct ListOptions
{
    QString labelSelector;
    QString fieldSelector;
};

struct WatchOptions
{
    QString labelSelector;
    QString fieldSelector;
    QString resourceVersion;
    int timeoutSeconds = 300; // the server ends the stream after this
    bool allowBookmarks = true;
    /// No byte for this long = the stream is dead (stalled server, broken path). 0 = timeoutSeconds + 30 s.
    int inactivityTimeoutMs = 0;
};

struct WatchEvent
{
    enum class Type { Added, Modified, Deleted, Bookmark, Error };
    Type type = Type::Added;
    QJsonObject object; // the Secret or ConfigMap, the bookmark's object, or the Status of an ERROR event
    qint64 receivedNs = 0; // QElapsedTimer-style monotonic time of arrival (for latency figures)
};

/// One open watch stream. Newline-delimited JSON events are parsed as bytes arrive.
/// `finished` comes exactly once: error.ok() when the server ended the stream normally.
class KubeWatch : public QObject
{
    Q_OBJECT
public:
    explicit KubeWatch(QObject* parent = nullptr) : QObject(parent) {}
    ~KubeWatch() override;
    /// Ends the stream without emitting finished.
    void abort();
    bool isOpen() const { return m_open; }

Q_SIGNALS:
    void opened();
    void event(const certrotor::kube::WatchEvent& event);
    void finished(const certrotor::kube::KubeError& error);

private:
    friend class KubeClient;
    void attach(QNetworkReply* reply);
    void onReadyRead();
    void onFinished();
    void finish(const KubeError& error);
    bool checkStatus();

    QPointer<QNetworkReply> m_reply;
    QByteArray m_buffer;
    bool m_open = false;
    bool m_done = false;
    std::function<void()> m_onUnauthorized;
};

/// Credentials in effect for a request: secrets, never logged.
struct Credentials
{
    QByteArray token;
    QSslCertificate certificate = QSslCertificate();
    QSslKey key;
    QDateTime expires; // invalid = does not expire
};

class ExecCredentialPlugin;

class KubeClient : public QObject
{
    Q_OBJECT
public:
    explicit KubeClient(RestConfig config, QObject* parent = nullptr);
    ~KubeClient() override;

    /// Loads the default kubeconfig ($KUBECONFIG or ~/.kube/config), or the file `kubeconfig` when given
    /// (a drill's sandbox), and resolves `context` (empty = current). The client is parented to `parent`.
    static Result<KubeClient*> fromKubeconfig(const QString& context = {}, QObject* parent = nullptr,
                                              const QString& kubeconfig = {});
    /// The file-reading and YAML half of fromKubeconfig(): makes no QObject, so it runs on any thread (the
    /// console runs it on the thread pool, then makes the client with fromRestConfig() on its own thread).
    static Result<RestConfig> loadRestConfig(const QString& context = {}, const QString& kubeconfig = {});
    /// The client for a loaded configuration: reads no file.
    static Result<KubeClient*> fromRestConfig(const RestConfig& config, QObject* parent = nullptr);
    /// fromKubeconfig() without blocking: the kubeconfig is read and parsed on the thread pool
    /// (loadRestConfig), then the client is made on `context`'s thread, parented to `parent`, and handed
    /// to `done` there — or the error. Dropped if `context` dies first. The one way the console and the
    /// rotation's committers get a client.
    static void fromKubeconfigAsync(QObject* context, const QString& kubeContext, const QString& kubeconfig,
                                    QObject* parent, std::function<void(Result<KubeClient*>)> done);

    const RestConfig& config() const { return m_config; }
    /// Warnings the UI/CLI must show (insecure-skip-tls-verify, ...).
    QStringList warnings() const { return m_config.warnings; }
    /// An error from the configuration itself (bad CA PEM, bad client key); calls fail with it.
    KubeError configError() const { return m_configError; }

    /// Time source for credential expiry (tests advance it); default: the system clock.
    void setClock(const Clock* clock);
    /// Per-request timeout of non-watch calls.
    void setRequestTimeoutMs(int ms) { m_requestTimeoutMs = ms; }
    /// How often an exec plugin has run (tests check the cache).
    int execRuns() const;

    template <typename T>
    using Callback = std::function<void(KubeResult<T>)>;

    // Secrets and ConfigMaps alike: `kind` picks the resource. An empty namespace lists or watches
    // the whole cluster.
    void getObject(ObjectKind kind, const QString& nameSpace, const QString& name, QObject* context,
                   Callback<KubeObject> done);
    void listObjects(ObjectKind kind, const QString& nameSpace, const ListOptions& options, QObject* context,
                     Callback<KubeObjectList> done);
    void listNamespaces(QObject* context, Callback<QStringList> done);
    /// PUT with object.resourceVersion as the precondition: a concurrent change is a
    /// KubeError::Kind::Conflict, never a silent overwrite.
    void replaceObject(const KubeObject& object, QObject* context, Callback<KubeObject> done);
    /// Opens a watch on the objects of a namespace; the caller owns the result (parented to `parent`).
    KubeWatch* watchObjects(ObjectKind kind, const QString& nameSpace, const WatchOptions& options, QObject* parent);

    /// Generic JSON call (path relative to the server URL, query already encoded).
    void call(const QByteArray& verb, const QString& path, const QString& query, const QByteArray& body,
              QObject* context, Callback<QJsonObject> done);

    /// Turns a finished reply into an error (or None), using the body's Status object when there is one.
    static KubeError errorFromReply(QNetworkReply* reply, const QByteArray& body);

private:
    void withCredentials(std::function<void(const KubeError&, const Credentials&)> fn);
    QNetworkRequest makeRequest(const QString& path, const QString& query, const Credentials& creds) const;
    void send(const QByteArray& verb, const QString& path, const QString& query, const QByteArray& body,
              QObject* context, Callback<QJsonObject> done, bool retried);
    void applyClientCertificate(const Credentials& creds);
    static QString collectionPath(ObjectKind kind, const QString& nameSpace);

    RestConfig m_config;
    KubeError m_configError;
    QNetworkAccessManager* m_nam = nullptr;
    QSslConfiguration m_ssl;
    QByteArray m_sslIdentity; // the client certificate in use, to notice an exec plugin rotating it
    std::unique_ptr<ExecCredentialPlugin> m_exec;
    const Clock* m_clock = nullptr;
    int m_requestTimeoutMs = 30000;
};

/// Monotonic nanoseconds (the clock of WatchEvent::receivedNs).
qint64 monotonicNs();

/// Encodes a query value for a Kubernetes URL ("metadata.name=x" → "metadata.name%3Dx").
QString encodeQueryValue(const QString& value);

} // namespace certrotor::kube

Q_DECLARE_METATYPE(certrotor::kube::WatchEvent)
Q_DECLARE_METATYPE(certrotor::kube::KubeError)
