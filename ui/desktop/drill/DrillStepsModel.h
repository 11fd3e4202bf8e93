// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "drill/Drill.h"

#include <QAbstractTableModel>

namespace certrotor::gui {

/// The drill's steps, known before they run (what each must show), then filled as they end: the
/// observation, the verdict and the duration. The running step and the one waiting for the operator are
/// marked.
class DrillStepsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NumberColumn,
        StepColumn,
        VerdictColumn,
        ExpectedColumn,
        ObservedColumn,
        DurationColumn,
        ColumnCount
    };
    enum class State { Pending, Running, Waiting, Passed, Failed };

    explicit DrillStepsModel(QObject* parent = nullptr);

    void setPlan(const QList<drill::Step>& steps);
    void markRunning(const QString& id);
    void markWaiting(const QString& id);
    void finish(const drill::Step& step);
    /// Steps that never ran (the drill ended early) are marked not run.
    void endRun();
    State state(int row) const;
    const drill::Step* stepAt(int row) const;
    int rowOf(const QString& id) const;
    int passedCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void changed(int row);

    QList<drill::Step> m_steps;
    QList<State> m_states;
    bool m_ended = false;
};

} // namespace certrotor::gui
