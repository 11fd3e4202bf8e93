// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Bundle.h"
#include "x509/Lint.h"

#include <QAbstractTableModel>
#include <QVector>

#include <memory>

namespace certrotor::gui {

/// One table row, computed once when a bundle arrives (off the GUI thread): data() only looks up.
struct StoreRow {
    int entry = -1;
    QString subjectCn;
    QString issuerCn;
    qint64 notAfter = 0;
    qint64 daysLeft = 0;
    QString notAfterText;
    QString key;
    QString signature;
    QString sha256Hex;
    QString sha256Short;
    QString filterText; // subject, issuer and SHA-256, lower case
    int findingCount = 0;
    Finding::Severity worst = Finding::Severity::Info;
    QString findingsText;
    QString findingsToolTip; // one line per finding: severity and message
};

/// A bundle with its lint findings and precomputed rows, made by prepare() on a worker thread.
struct StoreSnapshot {
    std::shared_ptr<const Bundle> bundle;
    QList<Finding> findings;
    QVector<StoreRow> rows;
    qint64 now = 0;
    int thresholdDays = 30;

    static StoreSnapshot prepare(std::shared_ptr<const Bundle> bundle, qint64 now, int thresholdDays);
};

/// The trust store as a table: subject CN, issuer CN, not after, days left (coloured by urgency),
/// key, signature algorithm, SHA-256 (short, full in the tooltip) and findings (icon + text).
class TrustStoreModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        SubjectColumn,
        IssuerColumn,
        NotAfterColumn,
        DaysLeftColumn,
        KeyColumn,
        SignatureColumn,
        Sha256Column,
        FindingsColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1, FilterRole, EntryRole, UrgencyRole };

    explicit TrustStoreModel(QObject* parent = nullptr);

    void setSnapshot(StoreSnapshot snapshot);
    const StoreSnapshot& snapshot() const { return m_snapshot; }
    const StoreRow* rowAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    StoreSnapshot m_snapshot;
};

} // namespace certrotor::gui
