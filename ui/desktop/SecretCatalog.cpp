// SPDX-License-Identifier: GPL-3.0-or-later
#include "SecretCatalog.h"

#include "GuiLog.h"

#include <QPointer>
#include <QProcess>
#include <QStandardPaths>

namespace certrotor::gui {

QStringList caKeyNames()
{
    return {QStringLiteral("ca.crt"), QStringLiteral("ca-bundle.crt"), QStringLiteral("tls.crt")};
}

namespace {

/// The picker's adapter while the in-process Kubernetes client is not wired in: asks `kubectl`
/// (Debian's kubernetes-client), which reads the kubeconfig exactly as the user's own commands do.
/// Only names and key names are requested (go-template), so no Secret data ever reaches this process.
class KubectlSecretCatalog : public SecretCatalog
{
public:
    void listContexts(QObject* context, std::function<void(QStringList, QString, QString)> done) override
    {
        run({QStringLiteral("config"), QStringLiteral("get-contexts"), QStringLiteral("-o"), QStringLiteral("name")}, context,
            [context, done](bool ok, QByteArray out, QString error) {
                if (!ok) {
                    done({}, {}, error);
                    return;
                }
                const QStringList contexts = lines(out);
                run({QStringLiteral("config"), QStringLiteral("current-context")}, context,
                    [contexts, done](bool ok2, QByteArray out2, QString) {
                        done(contexts, ok2 ? QString::fromUtf8(out2).trimmed() : QString(),
                             contexts.isEmpty() ? QObject::tr("The kubeconfig has no contexts.") : QString());
                    });
            });
    }

    void listNamespaces(const QString& kubeContext, QObject* context, std::function<void(QStringList, QString)> done) override
    {
        run({QStringLiteral("--context"), kubeContext, QStringLiteral("get"), QStringLiteral("namespaces"), QStringLiteral("-o"),
             QStringLiteral("jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}")},
            context, [done](bool ok, QByteArray out, QString error) {
                done(ok ? lines(out) : QStringList{QStringLiteral("default")}, ok ? QString() : error);
            });
    }

    void listSecrets(const QString& kubeContext, const QString& nameSpace, QObject* context,
                     std::function<void(QList<SecretEntry>, QString)> done) override
    {
        run({QStringLiteral("--context"), kubeContext, QStringLiteral("-n"), nameSpace, QStringLiteral("get"),
             QStringLiteral("secrets"), QStringLiteral("-o"),
             QStringLiteral("go-template={{range .items}}{{.metadata.name}}{{range $k, $v := .data}} {{$k}}{{end}}{{\"\\n\"}}{{end}}")},
            context, [done](bool ok, QByteArray out, QString error) {
                QList<SecretEntry> secrets;
                if (ok) {
                    const QStringList known = caKeyNames();
                    for (const QString& line : lines(out)) {
                        QStringList parts = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
                        if (parts.isEmpty())
                            continue;
                        SecretEntry e{parts.takeFirst(), {}};
                        for (const QString& key : known) {
                            if (parts.contains(key))
                                e.keys << key;
                        }
                        if (!e.keys.isEmpty())
                            secrets << e;
                    }
                }
                done(secrets, ok ? QString() : error);
            });
    }

private:
    static QStringList lines(const QByteArray& out)
    {
        return QString::fromUtf8(out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }

    static void run(const QStringList& args, QObject* context, std::function<void(bool, QByteArray, QString)> done)
    {
        const QString kubectl = QStandardPaths::findExecutable(QStringLiteral("kubectl"));
        if (kubectl.isEmpty()) {
            done(false, {}, QObject::tr("kubectl was not found on PATH (Debian package kubernetes-client)."));
            return;
        }
        auto* process = new QProcess(context);
        QObject::connect(process, &QProcess::finished, context, [process, done](int code, QProcess::ExitStatus status) {
            const QByteArray out = process->readAllStandardOutput();
            const QString err = QString::fromUtf8(process->readAllStandardError()).trimmed();
            process->deleteLater();
            if (status != QProcess::NormalExit || code != 0)
                done(false, {}, err.isEmpty() ? QObject::tr("kubectl failed (exit code %1)").arg(code) : err);
            else
                done(true, out, {});
        });
        QObject::connect(process, &QProcess::errorOccurred, context, [process, done](QProcess::ProcessError e) {
            if (e != QProcess::FailedToStart)
                return;
            process->deleteLater();
            done(false, {}, QObject::tr("kubectl could not be started: %1").arg(process->errorString()));
        });
        qCDebug(lcUi) << "kubectl" << args.value(0) << args.value(1) << args.value(2);
        process->start(kubectl, QStringList(args) << QStringLiteral("--request-timeout=10s"));
    }
};

} // namespace

std::unique_ptr<SecretCatalog> makeDefaultSecretCatalog()
{
    return std::make_unique<KubectlSecretCatalog>();
}

} // namespace certrotor::gui
