# rv32-toolchain.cmake — RV32IMAFC (the ESP32-P4's ISA), bare metal, picolibc.
# No C++ standard library exists for this toolchain: the core must build without one.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_CXX_COMPILER riscv64-unknown-elf-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(KEEL_RV32_ARCH "-march=rv32imafc -mabi=ilp32f")
set(CMAKE_C_FLAGS_INIT "${KEEL_RV32_ARCH} --specs=picolibc.specs -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${KEEL_RV32_ARCH} --specs=picolibc.specs -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti -Wall -Wextra -Werror")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os")
set(CMAKE_CXX_FLAGS_MINSIZEREL_INIT "-Os")
# The link runs through the C driver, which already gets --specs from CMAKE_C_FLAGS.
