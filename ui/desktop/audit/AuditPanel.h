// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "audit/AuditLog.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace certrotor::gui {

class AuditLogModel;
class MessageBanner;

/// The Audit tab: the audit log's records (read from the file off the GUI thread, then live through
/// AuditLog::entryAdded), a filter over every column, export of the shown records to JSON or CSV, and
/// verification of the whole chain (off the GUI thread) with the result in the banner.
class AuditPanel : public QWidget {
    Q_OBJECT
public:
    explicit AuditPanel(MessageBanner* banner = nullptr, QWidget* parent = nullptr);

    /// The log to show (not owned). Reloads from its file.
    void setAuditLog(AuditLog* log);
    /// Rereads the file (asynchronous; `reloaded` follows).
    void reload();
    /// Verifies the chain (asynchronous; `verified` follows, and the banner says how it went).
    void verify();
    /// Writes the records the filter shows to `path` as "json" or "csv" (asynchronous; `exported` follows).
    void exportTo(const QString& path, const QString& format);

    AuditLogModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    MessageBanner* banner() const { return m_banner; }

Q_SIGNALS:
    void reloaded();
    /// `ok`: every record checked and intact (false when broken, or not verified for want of the key).
    void verified(bool ok, const QString& summary);
    void exported(bool ok, const QString& path);

private:
    void chooseExport(const QString& format);
    void updateStatus();

    QPointer<AuditLog> m_audit;
    MessageBanner* m_banner = nullptr;
    AuditLogModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_view = nullptr;
    QLineEdit* m_filter = nullptr;
    QLabel* m_status = nullptr;
    QPushButton* m_verify = nullptr;
    QPushButton* m_exportJson = nullptr;
    QPushButton* m_exportCsv = nullptr;
    QPushButton* m_reload = nullptr;
    quint64 m_loadSeq = 0;
};

} // namespace certrotor::gui
