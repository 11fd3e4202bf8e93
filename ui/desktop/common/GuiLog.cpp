// SPDX-License-Identifier: GPL-3.0-or-later
#include "GuiLog.h"

#include <QtGlobal>

Q_LOGGING_CATEGORY(lcUi, "certrotor.ui")

static void registerCertrotorResources()
{
    Q_INIT_RESOURCE(certrotor);
}

namespace certrotor::gui {

void initResources()
{
    static const bool done = [] {
        registerCertrotorResources();
        return true;
    }();
    Q_UNUSED(done);
}

} // namespace certrotor::gui
