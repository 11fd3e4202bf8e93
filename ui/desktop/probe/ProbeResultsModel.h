// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ProbeResult.h"

#include <QAbstractTableModel>
#include <QList>
#include <QString>
#include <QStringList>

namespace certrotor::gui {

/// The rows of one probe plan, in the plan's order (bundle-major: every target with the first bundle,
/// then with the next), filled in live as probes finish. A row without a result yet is "running".
class ProbeResultsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TargetColumn,
        BundleColumn,
        StatusColumn,
        StageColumn,
        ErrorColumn,
        TlsColumn,
        AlpnColumn,
        AnchorColumn,
        TotalMsColumn,
        ColumnCount
    };
    enum class State { Running, Passed, Failed, Cancelled };

    explicit ProbeResultsModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// One "running" row per target x bundle, bundle-major (ProbePlan::results() order).
    void startPlan(const QList<ProbeTarget>& targets, const QStringList& bundleNames);
    /// Fills row `row` (a plan's result index). Out-of-range rows are ignored.
    void setResult(int row, const ProbeResult& result);
    void clear();

    State state(int row) const;
    bool hasResult(int row) const;
    /// The result of a row (a row still running has only its target and bundle name).
    const ProbeResult& result(int row) const { return m_rows.at(row).result; }
    int finishedCount() const { return m_finished; }

    static QString stateName(State state); // "running", "passed", "failed", "cancelled"

private:
    struct Row {
        ProbeResult result;
        bool done = false;
    };
    QList<Row> m_rows;
    int m_finished = 0;
};

} // namespace certrotor::gui
