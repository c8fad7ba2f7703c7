from contract_diff.cli import main

main()
