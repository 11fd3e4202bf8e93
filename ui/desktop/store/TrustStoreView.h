// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "TrustStoreModel.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class QTextBrowser;

namespace certrotor::gui {

/// The trust store tab: a filter box, the sortable table and a details pane (every field, the chain,
/// the PEM with a copy button). A busy bar shows while a bundle is parsed off the GUI thread.
class TrustStoreView : public QWidget {
    Q_OBJECT
public:
    explicit TrustStoreView(QWidget* parent = nullptr);

    TrustStoreModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* table() const { return m_table; }
    QSplitter* splitter() const { return m_splitter; }
    QLineEdit* filterEdit() const { return m_filter; }

    void setSnapshot(StoreSnapshot snapshot, const QString& title);
    void setBusy(bool busy, const QString& what = {});
    /// Entry index (into the bundle) shown in the details pane, -1 if none.
    int currentEntry() const { return m_currentEntry; }
    QString currentPem() const;

private:
    void showEntry(int entry);

    TrustStoreModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QLabel* m_title = nullptr;
    QLineEdit* m_filter = nullptr;
    QProgressBar* m_progress = nullptr;
    QTableView* m_table = nullptr;
    QSplitter* m_splitter = nullptr;
    QTextBrowser* m_details = nullptr;
    QPlainTextEdit* m_pem = nullptr;
    QPushButton* m_copy = nullptr;
    int m_currentEntry = -1;
};

} // namespace certrotor::gui
