from django.apps import AppConfig


class InstructionConfig(AppConfig):
    name = "plania.instruction"
    label = "instruction"
    verbose_name = "Instruction"
