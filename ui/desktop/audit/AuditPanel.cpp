// SPDX-License-Identifier: GPL-3.0-or-later
#include "AuditPanel.h"

#include "AuditLogModel.h"
#include "FileDialog.h"
#include "GuiLog.h"
#include "MessageBanner.h"
#include "audit/AuditExport.h"
#include "audit/AuditVerify.h"
#include "util/AsyncTask.h"

#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace certrotor::gui {

AuditPanel::AuditPanel(MessageBanner* banner, QWidget* parent) : QWidget(parent), m_banner(banner)
{
    setObjectName(QStringLiteral("auditPanel"));
    setAccessibleName(tr("Audit log"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    if (!m_banner) {
        m_banner = new MessageBanner(this);
        layout->addWidget(m_banner);
    }

    auto* bar = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("auditFilterLineEdit"));
    m_filter->setPlaceholderText(tr("Filter: event, probe id, target, user…"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter the audit records"));
    m_reload = new QPushButton(tr("Reload"), this);
    m_reload->setObjectName(QStringLiteral("auditReloadPushButton"));
    m_verify = new QPushButton(tr("&Verify chain"), this);
    m_verify->setObjectName(QStringLiteral("auditVerifyPushButton"));
    m_exportJson = new QPushButton(tr("Export JSON…"), this);
    m_exportJson->setObjectName(QStringLiteral("auditExportJsonPushButton"));
    m_exportCsv = new QPushButton(tr("Export CSV…"), this);
    m_exportCsv->setObjectName(QStringLiteral("auditExportCsvPushButton"));
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_reload);
    bar->addWidget(m_verify);
    bar->addWidget(m_exportJson);
    bar->addWidget(m_exportCsv);
    layout->addLayout(bar);

    m_model = new AuditLogModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("auditTableView"));
    m_view->setModel(m_proxy);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    layout->addWidget(m_view, 1);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("auditStatusLabel"));
    m_status->setTextFormat(Qt::PlainText);
    layout->addWidget(m_status);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_filter, &QLineEdit::textChanged, this, &AuditPanel::updateStatus);
    connect(m_reload, &QPushButton::clicked, this, &AuditPanel::reload);
    connect(m_verify, &QPushButton::clicked, this, &AuditPanel::verify);
    connect(m_exportJson, &QPushButton::clicked, this, [this] { chooseExport(QStringLiteral("json")); });
    connect(m_exportCsv, &QPushButton::clicked, this, [this] { chooseExport(QStringLiteral("csv")); });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &AuditPanel::updateStatus);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AuditPanel::updateStatus);
    updateStatus();
}

void AuditPanel::setAuditLog(AuditLog* log)
{
    if (m_audit)
        disconnect(m_audit, nullptr, this, nullptr);
    m_audit = log;
    ++m_loadSeq; // a read of the previous log still under way is dropped
    m_model->clear();
    if (log) {
        // entryAdded comes from the log's writer thread: queued to this one.
        connect(log, &AuditLog::entryAdded, this, [this](const AuditEntry& e) { m_model->addEntry(e); });
        reload();
    }
    updateStatus();
}

void AuditPanel::reload()
{
    if (!m_audit)
        return;
    const QString path = m_audit->path();
    const quint64 seq = ++m_loadSeq;
    struct Loaded {
        QList<AuditEntry> entries;
        QString error;
    };
    runThenCallback(
        this,
        [path]() -> Loaded {
            if (!QFile::exists(path))
                return {}; // nothing recorded yet
            QStringList skipped;
            Result<QList<AuditEntry>> read = readAuditLog(path, &skipped);
            if (!read.ok())
                return { {}, read.error().text() };
            return { std::move(read).value(), skipped.isEmpty() ? QString() : skipped.join(QLatin1Char('\n')) };
        },
        [this, seq](const Loaded& loaded) {
            if (seq != m_loadSeq)
                return;
            m_model->setEntries(loaded.entries);
            if (!loaded.error.isEmpty())
                m_banner->showMessage(MessageBanner::Kind::Warning,
                                      tr("The audit log was not read whole:\n%1").arg(loaded.error));
            Q_EMIT reloaded();
        });
}

void AuditPanel::verify()
{
    if (!m_audit)
        return;
    m_verify->setEnabled(false);
    // Everything the check needs is taken here, on the GUI thread (the path, a copy of the key that is
    // zeroed when dropped): the log itself may be destroyed (at exit) before the pool thread runs.
    const AuditLog::VerifyInputs inputs = m_audit->verifyInputs();
    const QString path = inputs.path;
    runThenCallback(
        this, [inputs]() -> AuditVerifyReport { return AuditLog::verifyWith(inputs); },
        [this, path](const AuditVerifyReport& report) {
            m_verify->setEnabled(true);
            // Structure intact but HMAC records unchecked (no key): not verified, a warning.
            const MessageBanner::Kind kind = !report.ok ? MessageBanner::Kind::Error
                : report.structuralOnly                 ? MessageBanner::Kind::Warning
                                                        : MessageBanner::Kind::Info;
            const QString summary = report.summary(path);
            m_banner->showMessage(kind, summary);
            qCInfo(lcUi).noquote() << "audit log verified:"
                                   << (!report.ok                  ? "broken"
                                           : report.structuralOnly ? "not verified (no key)"
                                                                   : "intact");
            Q_EMIT verified(report.verified(), summary);
        });
}

void AuditPanel::chooseExport(const QString& format)
{
    const QString path = FileDialog::instance()->getSaveFileName(this, tr("Export the shown audit records"),
                                                                 format == QLatin1String("csv") ? tr("CSV (*.csv)")
                                                                                                : tr("JSON (*.json)"));
    if (!path.isEmpty())
        exportTo(path, format);
}

void AuditPanel::exportTo(const QString& path, const QString& format)
{
    QList<AuditEntry> shown;
    for (int row = 0; row < m_proxy->rowCount(); ++row)
        shown << m_model->entry(m_proxy->mapToSource(m_proxy->index(row, 0)).row());
    runThenCallback(
        this,
        [shown, path, format]() -> QString {
            const QByteArray bytes
                = format == QLatin1String("csv") ? audit::exportCsv(shown) : audit::exportJson(shown);
            QSaveFile file(path);
            if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
                return file.errorString().isEmpty() ? QStringLiteral("cannot write the file") : file.errorString();
            return {};
        },
        [this, path, count = shown.size()](const QString& error) {
            if (!error.isEmpty())
                m_banner->showMessage(MessageBanner::Kind::Error,
                                      tr("The audit export was not written to %1: %2").arg(path, error));
            else
                m_banner->showMessage(MessageBanner::Kind::Info,
                                      tr("%n audit record(s) exported to %1", nullptr, int(count)).arg(path));
            Q_EMIT exported(error.isEmpty(), path);
        });
}

void AuditPanel::updateStatus()
{
    if (!m_audit) {
        m_status->setText(tr("No audit log."));
        return;
    }
    const QString alg = m_audit->macAlg();
    m_status->setText(tr("%1 of %2 record(s) shown · %3 · %4")
                          .arg(m_proxy->rowCount())
                          .arg(m_model->rowCount())
                          .arg(m_audit->path(),
                               alg.isEmpty()                        ? tr("waiting for the keyring")
                                   : alg == QLatin1String("sha256") ? tr("SHA-256 chain (no keyring key)")
                                                                    : tr("HMAC-SHA256 chain")));
}

} // namespace certrotor::gui
