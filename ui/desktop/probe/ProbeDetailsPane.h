// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ProbeResult.h"

#include <QWidget>

#include <memory>
#include <optional>

namespace Ui {
class ProbeDetailsPane;
}

namespace certrotor::gui {

/// The Probe panel's details of one result: everything it found (stage, TLS facts, verify errors, the
/// peer chain, the anchor, timings) as text, and a button that copies it as the JSON `certrotor-cli
/// probe --json` prints.
class ProbeDetailsPane : public QWidget {
    Q_OBJECT
public:
    explicit ProbeDetailsPane(QWidget* parent = nullptr);
    ~ProbeDetailsPane() override;

    /// `finished` false: the probe is still running (its row says so, nothing to copy yet).
    void showResult(const ProbeResult& result, bool finished);
    void clear();
    QString text() const;

    /// Everything one result says, as the pane shows it.
    static QString detailsOf(const ProbeResult& result);
    /// The result as indented JSON (json::probeResult).
    static QString jsonOf(const ProbeResult& result);

private:
    void copyJson();

    std::unique_ptr<Ui::ProbeDetailsPane> m_ui;
    std::optional<ProbeResult> m_result; // finished results only
};

} // namespace certrotor::gui
